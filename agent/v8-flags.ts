// The V8 settings the agent runs with, for its resident memory: ~10 MiB less
// of ~64 (bench/README.md, "Agent cost": ~500 processes, 14 checks).
//
//   --max-opt=1               Ignition and Sparkplug only: no Maglev or TurboFan.
//                             Their code in the node binary (~5 MiB) is never
//                             paged in, and their compilations allocate nothing.
//                             The agent's cycle is mostly system calls (reading
//                             /proc), so optimised JavaScript hardly pays: ~1 ms
//                             more CPU per cycle of ~14.
//   --max-semi-space-size=1   a young generation of 1 MiB semi-spaces: with
//                             Node's default it grew to 8 MiB in the agent.
//
// V8 takes these only at start-up (v8.setFlagsFromString later changes
// nothing measurable), so `vilicus agent` replaces its own process with one
// started with them: process.execve keeps the pid, stdio, arguments and
// environment, so a service manager, a container runtime or a test sees one
// process. Where there is no process.execve (Windows) the agent runs with
// Node's defaults. A flag of the same name on node's command line or in
// NODE_OPTIONS wins over ours: `node --max-opt=3 $(which vilicus) agent`.

import { nodeOptions } from './config.ts';

export const AGENT_V8_FLAGS: readonly string[] = ['--max-opt=1', '--max-semi-space-size=1'];

/** `--max_opt=2` → `--max-opt`: V8 reads `_` and `-` alike. */
function flagName(arg: string): string {
  return arg.split('=')[0]!.replaceAll('_', '-');
}

/** Those of AGENT_V8_FLAGS that neither node's command line nor NODE_OPTIONS names. */
export function missingV8Flags(execArgv: readonly string[], nodeOptions = ''): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].map(flagName));
  return AGENT_V8_FLAGS.filter((flag) => !given.has(flagName(flag)));
}

/**
 * Replaces this process with the same command run with the missing flags
 * (the new one finds none missing and returns). Returns when none is missing,
 * the platform cannot exec, or this user may not execute node's binary again.
 */
export function execWithAgentV8Flags(): void {
  const missing = missingV8Flags(process.execArgv, nodeOptions());
  if (missing.length === 0 || process.execve === undefined) return;
  // A failed process.execve aborts the process, uncatchable: check first. A user may have been allowed to
  // start node but not to start it again (setpriv dropping to nobody with node under /root, for one).
  const why = cannotExecute(process.execPath);
  if (why) {
    process.stderr.write(`vilicus agent: running with Node's default V8 settings (more memory): ${why}\n`);
    return;
  }
  process.execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)]);
}

/** Why this process may not execute `file`, or null when it may (access(2) with X_OK, as the real user). */
export function cannotExecute(file: string): string | null {
  const fs = process.getBuiltinModule('node:fs');
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return null;
  } catch (error) {
    return `cannot execute ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
}

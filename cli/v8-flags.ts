// Re-executing `vilicus agent` and `vilicus server` with the V8 flags each
// runs with (agent/v8-flags.ts, server/v8-flags.ts): both are for memory.
//
// V8 takes these only at start-up (v8.setFlagsFromString later changes
// nothing measurable), so the command replaces its own process with one
// started with them, before it loads anything else: process.execve keeps the pid, stdio, arguments and
// environment, so a service manager, a container runtime or a test sees one
// process. Where there is no process.execve (Windows) the agent runs with
// Node's defaults. A flag of the same name on node's command line or in
// NODE_OPTIONS wins over ours: `node --max-opt=3 $(which vilicus) agent`,
// and so does its `--no-` form (`NODE_OPTIONS=--no-liftoff-only`).

/** `--max_opt=2` → `--max-opt`: V8 reads `_` and `-` alike; `--no-liftoff-only` names `--liftoff-only`. */
function flagName(arg: string): string {
  return arg
    .split('=')[0]!
    .replaceAll('_', '-')
    .replace(/^--no-/, '--');
}

/** Those of `wanted` that neither node's command line nor NODE_OPTIONS names. */
export function missingV8Flags(wanted: readonly string[], execArgv: readonly string[], nodeOptions = ''): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].map(flagName));
  return wanted.filter((flag) => !given.has(flagName(flag)));
}

/**
 * Replaces this process with the same command run with the missing flags
 * (the new one finds none missing and returns). Returns when none is missing,
 * the platform cannot exec, or this user may not execute node's binary again.
 * `environment`: the new process's whole environment (default: this one's, unchanged).
 */
export function execWithV8Flags(
  program: string,
  wanted: readonly string[],
  nodeOptions: string,
  environment?: Readonly<Record<string, string | undefined>>,
): void {
  const missing = missingV8Flags(wanted, process.execArgv, nodeOptions);
  if (missing.length === 0 || process.execve === undefined) return;
  // A failed process.execve aborts the process, uncatchable: check first. A user may have been allowed to
  // start node but not to start it again (setpriv dropping to nobody with node under /root, for one).
  const why = cannotExecute(process.execPath);
  if (why) {
    process.stderr.write(`vilicus ${program}: running with Node's default V8 settings (more memory): ${why}\n`);
    return;
  }
  const args = [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)];
  if (environment) process.execve(process.execPath, args, environment);
  else process.execve(process.execPath, args);
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

// Long-running server processes (etcd, kube-apiserver) whose output goes to a
// log file. Attached ones must never outlive the process that started them:
// they are killed on its exit and, where util-linux's setpriv exists, also
// get SIGKILL from the kernel when it dies without running exit handlers.
// Detached ones (`k8s:up`) are meant to outlive it and are stopped by pid.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ServerProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Why it is not running any more, or null while it runs. */
  exitReason(): string | null;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const attached = new Set<ChildProcess>();
let exitHookInstalled = false;
let setprivPath: string | null | undefined;

export async function startServerProcess(opts: {
  name: string;
  binary: string;
  args: string[];
  logFile: string;
  detached?: boolean;
}): Promise<ServerProcess> {
  const detached = opts.detached ?? false;
  const setpriv = detached ? null : findSetpriv();
  const [command, args] = setpriv
    ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', opts.binary, ...opts.args]]
    : [opts.binary, opts.args];
  const log = openSync(opts.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, { stdio: ['ignore', log, log], detached });
  } finally {
    closeSync(log);
  }
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) => reject(new Error(`${opts.name}: cannot start ${opts.binary}: ${err.message}`)));
  });
  let reason: string | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      reason = signal ? `killed by ${signal}` : `exited with code ${code}`;
      attached.delete(child);
      resolve();
    }),
  );
  if (detached) child.unref();
  else track(child);
  return {
    name: opts.name,
    pid: child.pid!,
    logFile: opts.logFile,
    exitReason: () => reason,
    async stop(graceMs = 10_000) {
      if (reason !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Stops a process this code started in an earlier run, known only by pid.
 * It is signalled only while its command line still names `binary`, so a pid
 * reused by an unrelated process is left alone.
 */
export async function stopPid(pid: number, binary: string, graceMs = 10_000): Promise<void> {
  if (!isRunning(pid, binary)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isRunning(pid, binary)) return;
    await sleep(100);
  }
  if (isRunning(pid, binary)) process.kill(pid, 'SIGKILL');
}

/** Alive (not a zombie) and running `binary`; reads /proc (Linux). */
export function isRunning(pid: number, binary: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(binary);
  } catch {
    return false;
  }
}

/** The last lines of a log, for error messages. */
export function logTail(path: string, chars = 4000): string {
  try {
    return readFileSync(path, 'utf8').slice(-chars);
  } catch {
    return '(no log)';
  }
}

function track(child: ChildProcess): void {
  attached.add(child);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: a plain kill is all there is time for.
  process.once('exit', () => {
    for (const c of attached) c.kill('SIGKILL');
  });
}

function findSetpriv(): string | null {
  if (setprivPath === undefined) {
    const probe = spawnSync('setpriv', ['--pdeathsig', 'SIGKILL', '--', 'true'], { stdio: 'ignore' });
    setprivPath = probe.status === 0 ? 'setpriv' : null;
  }
  return setprivPath;
}

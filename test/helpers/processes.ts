// Real vilicus processes for end-to-end tests: the CLI as a user runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { acquire } from './tools.ts';

const CLI = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
/**
 * How long a helper waits for a process to come up before calling it broken:
 * long, because a loaded machine (load 20 on 2 cores is seen here) takes tens
 * of seconds to start node; it bounds a failure, never measures speed.
 */
export const START_MS = 180_000;
const children = new Set<ChildProcess>();

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Proc {
  child: ChildProcess;
  output(): string;
  /** SIGTERM (or the given signal) and wait for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `cli`: the command's entry point, the sources' by default (the server's build: test/integration/server-build.test.ts). */
export function vilicus(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = [], cli = CLI): Proc {
  const child = spawn(process.execPath, [...nodeArgs, cli, ...args], {
    env: { ...process.env, VILICUS_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return track(child);
}

/** Another program (a benchmark's peer such as Prometheus), tracked like the CLI so killAll() ends it too. */
export function program(path: string, args: string[]): Proc {
  return track(spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Another Node script of the repository (a benchmark's helper process), run by this same node. */
export function nodeScript(script: string, args: string[]): Proc {
  return program(process.execPath, [script, ...args]);
}

/** A process to monitor: `sleep` with a unique argument, so a pattern matches only it. */
export function uniqueSleep(): { proc: Proc; marker: string } {
  const marker = `3000.${Math.floor(Math.random() * 1e9)}`;
  return { proc: sleepWithMarker(marker), marker };
}

/** The same monitored process again (it "comes back"). */
export function sleepWithMarker(marker: string): Proc {
  return track(spawn('sleep', [marker], { stdio: 'ignore' }));
}

function track(child: ChildProcess): Proc {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  children.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => (children.delete(child), resolve(code))),
  );
  return {
    child,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Kills whatever a test left running (afterAll / afterEach). */
export async function killAll(): Promise<void> {
  await Promise.all([...children].map((c) => (c.kill('SIGKILL'), new Promise((r) => c.once('exit', r)))));
}

export interface ServerProc extends Proc {
  url: string;
}

export async function startServerProcess(opts: {
  dataDir: string;
  adminToken: string;
  databaseUrl?: string | undefined;
  port?: number;
  env?: Record<string, string>;
  /** Node's own command-line flags (V8 flags that NODE_OPTIONS does not take, such as --no-liftoff-only). */
  nodeArgs?: string[];
  /** The command's entry point (default: the sources' cli/main.ts). */
  cli?: string;
}): Promise<ServerProc> {
  const port = opts.port ?? (await freePort());
  const args = ['server', '--port', String(port), '--host', '127.0.0.1', '--data-dir', opts.dataDir];
  if (opts.databaseUrl) args.push('--database-url', opts.databaseUrl);
  const proc = vilicus(args, { VILICUS_ADMIN_TOKEN: opts.adminToken, ...opts.env }, opts.nodeArgs, opts.cli);
  // Without a database URL the server process embeds PGlite (PostgreSQL is recorded by createDatabase).
  if (!opts.databaseUrl && !opts.env?.['VILICUS_DATABASE_URL']) proc.child.once('exit', acquire('PGlite'));
  const url = `http://127.0.0.1:${port}`;
  // A fresh embedded database is an initdb in WebAssembly: with eight suites on two
  // cores (load average 20-30) that alone took 27 s, so the wait is generous.
  await waitFor(
    async () => (await fetch(`${url}/readyz`).catch(() => null))?.status === 200,
    START_MS,
    () => proc.output(),
  );
  return { ...proc, url };
}

export async function waitFor(
  test: () => Promise<boolean>,
  timeoutMs: number,
  context = (): string => '',
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await test().catch(() => false)) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms\n${context().slice(-3000)}`);
}

export function api(url: string, token: string) {
  return async <T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  };
}

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { chown, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { StartedPostgres } from './postgres.ts';

const run = promisify(execFile);
/**
 * Where Debian puts each major version's binaries (`<root>/<major>/bin`).
 * TEST_POSTGRES_ROOT points elsewhere, or at an empty folder to see how the
 * suite behaves on a machine without PostgreSQL.
 */
export function postgresRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env['TEST_POSTGRES_ROOT'] || '/usr/lib/postgresql';
}
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const BASE_SETTINGS = ['listen_addresses=127.0.0.1', 'max_connections=200'];
// Tests never need crash safety; without these a cold cluster costs seconds of fsyncs.
// Benchmarks ask for `durable`: an acknowledged commit must cost what it costs in production.
const FAST_SETTINGS = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'];

export interface LocalPostgresOptions {
  /** Keep PostgreSQL's crash-safe defaults (fsync, synchronous commit); default false. */
  durable?: boolean;
}

export interface LocalPostgres extends StartedPostgres {
  /** Fast shutdown, then `whileDown` (if any), then the same cluster again on the same port. */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  /** The postmaster's pid (its backends are its children), for resource measurements. */
  pid(): number | undefined;
}

/** Who runs initdb/postgres: they refuse to run as root, so root hands over to `postgres`. */
interface RunAs {
  uid: number;
  gid: number;
}

/**
 * Starts a throwaway cluster from the newest PostgreSQL binaries under
 * postgresRoot(). Everything lives in one temp dir that stop() removes.
 */
export async function startLocalPostgres(options: LocalPostgresOptions = {}): Promise<LocalPostgres> {
  const settings = options.durable ? BASE_SETTINGS : [...BASE_SETTINGS, ...FAST_SETTINGS];
  const bindir = requireBindir();
  const runAs = await resolveRunAs();
  const dir = await mkdtemp(join(tmpdir(), 'vilicus-pg-'));
  let child: ChildProcess | undefined;
  // If the test process dies without calling stop(), at least do not leak the
  // server and its files; 'exit' handlers must be synchronous, hence SIGQUIT.
  const onExit = (): void => {
    child?.kill('SIGQUIT');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', onExit);
    if (child) await stopServer(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    if (runAs) await chown(dir, runAs.uid, runAs.gid);
    await initCluster(bindir, dir, runAs);
    const port = await freePort();
    const up = async (): Promise<void> => {
      child = await launch(bindir, dir, port, runAs, settings);
      await waitReady(bindir, dir, port, child);
    };
    await up();
    const restart = async (whileDown?: () => Promise<void>): Promise<void> => {
      if (child) await stopServer(child);
      await whileDown?.();
      await up();
    };
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop, restart, pid: () => child?.pid };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The newest `<root>/<major>/bin` with initdb and postgres, or undefined. */
export function findBindir(root = postgresRoot()): string | undefined {
  const versions = existsSync(root) ? readdirSync(root) : [];
  return versions
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(root, v, 'bin'))
    .find((bin) => existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres')));
}

function requireBindir(): string {
  const bindir = findBindir();
  if (!bindir) throw new Error(`no ${postgresRoot()}/*/bin/initdb found (apt-get install -y postgresql)`);
  return bindir;
}

async function resolveRunAs(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new Error('running as root but there is no "postgres" system user to run the server as');
  }
}

/** Wraps a command so it runs as `runAs`; setpriv execs in place, so signals reach postgres itself. */
function command(file: string, args: string[], runAs: RunAs | undefined): [string, string[]] {
  if (!runAs) return [file, args];
  return ['setpriv', [`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, '--init-groups', '--', file, ...args]];
}

async function initCluster(bindir: string, dir: string, runAs: RunAs | undefined): Promise<void> {
  const args = ['-D', join(dir, 'data'), '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'];
  const [file, argv] = command(join(bindir, 'initdb'), args, runAs);
  try {
    // cwd: the postgres user may not be allowed into the caller's directory.
    await run(file, argv, { cwd: dir, env: { ...process.env, LC_ALL: 'C' }, timeout: 60_000 });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`initdb failed: ${stderr || (err as Error).message}`, { cause: err });
  }
}

/** Asks the kernel for a free port; the tiny race until postgres binds it is acceptable in tests. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function launch(
  bindir: string,
  dir: string,
  port: number,
  runAs: RunAs | undefined,
  settings: readonly string[],
): Promise<ChildProcess> {
  const args = ['-D', join(dir, 'data'), '-p', String(port), '-k', dir, ...settings.flatMap((s) => ['-c', s])];
  const [file, argv] = command(join(bindir, 'postgres'), args, runAs);
  // Server output goes to a file: an unread pipe would eventually block postgres.
  const log = await open(join(dir, 'postgres.log'), 'a');
  try {
    const child = spawn(file, argv, {
      cwd: dir,
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', log.fd, log.fd],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    return child;
  } finally {
    await log.close();
  }
}

async function waitReady(bindir: string, dir: string, port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const isready = join(bindir, 'pg_isready');
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`postgres exited during startup: ${await logTail(dir)}`);
    }
    try {
      await run(isready, ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres'], {
        timeout: 2_000,
      });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`postgres not ready after ${READY_TIMEOUT_MS} ms: ${await logTail(dir)}`);
}

async function logTail(dir: string): Promise<string> {
  const text = (await readFile(join(dir, 'postgres.log'), 'utf8').catch(() => '')).trim();
  return text ? text.split('\n').slice(-5).join(' | ') : '(server log is empty)';
}

/** SIGINT is PostgreSQL's "fast shutdown": aborts sessions, no waiting for clients to leave. */
async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

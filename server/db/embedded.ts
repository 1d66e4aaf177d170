// The embedded default: PGlite (PostgreSQL compiled to WebAssembly) on a data
// folder, served over the PostgreSQL wire protocol so the one postgresql
// driver, schema and migrations serve both modes.
import { execFile } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { privateDir } from '../private-dir.ts';

export interface EmbeddedDatabase {
  /** A directory (unix socket) or 127.0.0.1. */
  host: string;
  port: number;
  stop(): Promise<void>;
}

export async function startEmbedded(dataDir: string): Promise<EmbeddedDatabase> {
  const dir = resolve(dataDir);
  privateDir(dir);
  const releaseLock = lockDataDir(dir);
  try {
    const pgdata = join(dir, 'pgdata');
    // A folder without PG_VERSION was never finished (initdb died): we hold the lock, so start it over.
    if (!existsSync(join(pgdata, 'PG_VERSION'))) {
      rmSync(pgdata, { recursive: true, force: true });
      await initInChildProcess(pgdata);
    }
    // PGlite makes its folder 0755 and keeps an existing one's mode.
    privateDir(pgdata);
    const db = await PGlite.create({
      dataDir: pgdata,
      startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS],
    });
    // A unix socket inside the 0700 data dir: no other local user can connect
    // (the socket path must stay under the OS limit of ~107 bytes).
    const socketPath = join(dir, '.s.PGSQL.5432');
    const useSocket = socketPath.length < 100;
    // We hold the lock, so a socket file here was left by a process that died
    // without closing it (SIGKILL, OOM): listen() would fail with EADDRINUSE.
    if (useSocket) rmSync(socketPath, { force: true });
    const server = new PGLiteSocketServer({
      db,
      ...(useSocket ? { path: socketPath } : { host: '127.0.0.1', port: 0 }),
    });
    await server.start();
    const [host, port] = useSocket ? [dir, 5432] : ['127.0.0.1', Number(server.getServerConn().split(':').pop())];
    return {
      host,
      port,
      async stop() {
        await server.stop();
        await db.close();
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

/**
 * PostgreSQL's memory settings for a database of one server process (ADR 6).
 * PGlite's WebAssembly memory only grows, so whatever these let PostgreSQL
 * take stays in the server's RSS for good: PostgreSQL's defaults (128 MB of
 * shared buffers, 64 MB for maintenance) are sized for a dedicated machine.
 */
const EMBEDDED_SETTINGS = [
  ['shared_buffers', '16MB'],
  ['work_mem', '2MB'],
  ['maintenance_work_mem', '16MB'],
  ['temp_buffers', '1MB'],
  ['wal_buffers', '1MB'],
].flatMap(([name, value]) => ['-c', `${name}=${value}`]);

/**
 * Creates a new data folder (initdb) in a child process: initdb grows the
 * WebAssembly memory to ~500 MB, which a process never gives back, so the
 * server itself only ever opens an existing folder.
 */
async function initInChildProcess(pgdata: string): Promise<void> {
  const pglite = JSON.stringify(import.meta.resolve('@electric-sql/pglite'));
  const script = `const { PGlite } = await import(${pglite}); await (await PGlite.create({ dataDir: process.argv[1] })).close();`;
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, pgdata]);
}

/** Two processes on one PGlite folder would corrupt it: refuse the second one. */
function lockDataDir(dir: string): () => void {
  const lockPath = join(dir, 'embedded.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lockPath, 'utf8'));
      if (isAlive(holder) && holder !== process.pid) {
        throw new Error(`the embedded database in ${dir} is in use by process ${holder}`);
      }
      rmSync(lockPath, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`cannot lock the embedded database in ${dir}`);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

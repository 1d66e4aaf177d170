// The embedded default: PGlite (PostgreSQL compiled to WebAssembly) on a data
// folder, served over the PostgreSQL wire protocol so the one postgresql
// driver, schema and migrations serve both modes.
import { openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
    // PGlite makes its folder 0755 and keeps an existing one's mode.
    privateDir(join(dir, 'pgdata'));
    const db = await PGlite.create({ dataDir: join(dir, 'pgdata') });
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

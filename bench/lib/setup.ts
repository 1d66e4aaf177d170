// What every benchmark needs: its mode, a durable PostgreSQL, a server
// process on a fresh database. Built on the test helpers, so the benchmarks
// start vilicus exactly as the integration tests and a user do.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalPostgres, type LocalPostgres } from '../../test/helpers/local-postgres.ts';
import { createDatabase, dropDatabase } from '../../test/helpers/postgres.ts';
import { fileURLToPath } from 'node:url';
import { nodeScript, startServerProcess, waitFor, type ServerProc } from '../../test/helpers/processes.ts';
import { inCi } from '../../test/helpers/tools.ts';
import type { Summary } from './stats.ts';

export type Mode = 'quick' | 'full' | 'long';

export interface BenchContext {
  mode: Mode;
  postgres: LocalPostgres;
}

/**
 * Crash-safe settings (fsync, synchronous commit): the tests' cluster turns
 * them off, which would make every commit nearly free and hide exactly what
 * group commit is for.
 */
export async function startBenchPostgres(): Promise<LocalPostgres> {
  return startLocalPostgres({ durable: true });
}

export interface BenchServer {
  server: ServerProc;
  adminToken: string;
  databaseUrl: string;
  /** Stops the server and drops its database. */
  close(): Promise<void>;
}

export async function startBenchServer(
  ctx: BenchContext,
  name: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<BenchServer> {
  const databaseUrl = await createDatabase(ctx.postgres.url, `bench_${name}`);
  const dataDir = mkdtempSync(join(tmpdir(), `vilicus-bench-${name}-`));
  const adminToken = `admin-${crypto.randomUUID()}`;
  // warn: a log line per request would cost the server more than the work measured.
  const server = await startServerProcess({
    dataDir,
    adminToken,
    databaseUrl,
    env: { VILICUS_LOG_LEVEL: 'warn', ...env },
    nodeArgs,
    cli: await serverCli(),
  });
  return {
    server,
    adminToken,
    databaseUrl,
    async close() {
      await server.stop();
      await dropDatabase(databaseUrl);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * SERVER_NODE_ARGS: node flags for the server alone, on node's command line
 * (a V8 setting to compare, a profile: `--heapsnapshot-signal=SIGUSR2`);
 * NODE_OPTIONS would reach the load processes too, and refuses most V8 flags.
 */
export function serverNodeArgs(): string[] {
  return (process.env['SERVER_NODE_ARGS'] ?? '').split(/\s+/).filter(Boolean);
}

let built: Promise<string> | undefined;

/**
 * The server the benchmarks run: its build (`npm run build:server`, made once
 * per run), which is what the image and an install run (README, "Installing");
 * `BENCH_SERVER=sources` runs the checkout's `.ts` sources instead, to compare.
 */
export async function serverCli(): Promise<string | undefined> {
  if (process.env['BENCH_SERVER'] === 'sources') return undefined;
  built ??= import('../../cli/build-server.ts').then(async ({ buildServer }) => `${(await buildServer()).dir}/main.js`);
  return built;
}

/** The baseline server without group commit (lib/naive-server.ts), on a fresh database of its own. */
export async function startNaiveServer(ctx: BenchContext): Promise<BenchServer> {
  const databaseUrl = await createDatabase(ctx.postgres.url, 'bench_naive');
  const adminToken = `admin-${crypto.randomUUID()}`;
  const proc = nodeScript(fileURLToPath(new URL('./naive-server.ts', import.meta.url)), [databaseUrl, adminToken]);
  let url = '';
  await waitFor(
    async () => {
      const line = proc
        .output()
        .split('\n')
        .find((l) => l.startsWith('{"url"'));
      if (line) url = (JSON.parse(line) as { url: string }).url;
      return url !== '';
    },
    30_000,
    () => proc.output(),
  );
  return {
    server: { ...proc, url },
    adminToken,
    databaseUrl,
    async close() {
      await proc.stop();
      await dropDatabase(databaseUrl);
    },
  };
}

export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Calls the API with the admin token; throws on an error status. */
export async function admin<T = any>(s: BenchServer, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${s.server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${s.adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

/**
 * A peer program (an exporter, Prometheus) that is not installed: a note on a
 * developer's machine, a failure in CI (CI=true), which must not skip it —
 * as test/helpers/tools.ts does for the tests' tools.
 */
export function peerMissing(summary: Summary, message: string): void {
  if (inCi()) throw new Error(`${message}; CI must not skip it`);
  summary.note(message);
}

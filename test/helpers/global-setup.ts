import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.ts';
import { inCi } from './tools.ts';

/**
 * Integration globalSetup: one PostgreSQL server for the whole run (each test
 * file makes its own database with createDatabase). Without one, the
 * PostgreSQL variants are left out (`dbKinds`) with a message — except in CI
 * (tools.ts inCi()), where the run fails naming PostgreSQL.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  try {
    const server = await startPostgres();
    log(`PostgreSQL via ${server.how} in ${Date.now() - started} ms: ${redact(server.url)}`);
    project.provide('postgresUrl', server.url);
    return () => server.stop();
  } catch (err) {
    if (inCi()) throw new Error(`PostgreSQL is required in CI and could not be started: ${(err as Error).message}`);
    log(`no PostgreSQL, its suites are skipped (in CI this fails)\n${String(err)}`);
    project.provide('postgresUrl', null);
    return async () => {};
  }
}

function log(line: string): void {
  console.log(`[vilicus:test] ${line}`);
}

/** TEST_DATABASE_URL may carry a password; the log line is for humans, not a credential dump. */
function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.href;
}

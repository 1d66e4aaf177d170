import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.ts';

/**
 * Integration globalSetup: one PostgreSQL server for the whole run (each test
 * file makes its own database with createDatabase). Without one, PostgreSQL
 * suites skip via `describe.runIf(inject('postgresUrl'))` — except in CI,
 * where VILICUS_REQUIRE_POSTGRES=1 turns a silent skip into a failure.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  try {
    const server = await startPostgres();
    log(`PostgreSQL via ${server.how} in ${Date.now() - started} ms: ${redact(server.url)}`);
    project.provide('postgresUrl', server.url);
    return () => server.stop();
  } catch (err) {
    if (process.env['VILICUS_REQUIRE_POSTGRES'] === '1') throw err;
    log(`no PostgreSQL, its suites will be skipped (set VILICUS_REQUIRE_POSTGRES=1 to fail instead)\n${String(err)}`);
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

// In CI (any truthy CI) a run without PostgreSQL fails, naming it; elsewhere
// its suites are skipped with a message. A real vitest run of the integration
// project in a child process, on a machine made to lack PostgreSQL: no binaries
// under TEST_POSTGRES_ROOT, no TEST_DATABASE_URL, and no container runtime for
// testcontainers (DOCKER_HOST, HOME and XDG_RUNTIME_DIR point at an empty
// folder). A Docker daemon on /var/run/docker.sock cannot be hidden so: there
// the child finds PostgreSQL in a container, and the test says so.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const empty = mkdtempSync(join(tmpdir(), 'vilicus-no-postgres-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

/** `vitest run` of one PostgreSQL suite with this CI value (undefined: unset), without any PostgreSQL. */
function runWithoutPostgres(ci: string | undefined): Promise<{ code: number; output: string }> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'CI' && k !== 'TEST_DATABASE_URL'),
  );
  Object.assign(env, {
    TEST_POSTGRES_ROOT: empty,
    DOCKER_HOST: `unix://${join(empty, 'docker.sock')}`,
    HOME: empty,
    XDG_RUNTIME_DIR: empty,
  });
  if (ci !== undefined) env['CI'] = ci;
  const args = ['node_modules/vitest/vitest.mjs', 'run', '--project', 'integration'];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...args, 'test/integration/postgres-helper.test.ts'],
      { cwd: repo, env, timeout: 300_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        // vitest may colour its report (it did in .ci/run's environment, where the skip count's regex then missed).
        resolve({ code, output: stripVTControlCharacters(`${stdout}\n${stderr}`) });
      },
    );
  });
}

describe('a run without PostgreSQL', () => {
  it.each(['yes', 'True'])('fails naming PostgreSQL with CI=%s', async (ci) => {
    const { code, output } = await runWithoutPostgres(ci);
    expect(output, 'a container runtime answered: PostgreSQL was not absent').not.toContain('PostgreSQL via');
    expect(code, output).toBe(1);
    expect(output).toContain('PostgreSQL is required in CI and could not be started');
    expect(output).toContain(`no ${empty}/*/bin/initdb found`);
  });

  it('skips its suites with a message without CI', async () => {
    const { code, output } = await runWithoutPostgres(undefined);
    expect(output, 'a container runtime answered: PostgreSQL was not absent').not.toContain('PostgreSQL via');
    expect(code, output).toBe(0);
    expect(output).toContain('no PostgreSQL, its suites are skipped (in CI this fails)');
    expect(output).toMatch(/Tests\s+2 skipped/);
  });
});

// The layering check of `npm run lint` (.dependency-cruiser.mjs) fails on a
// bad import, names the rule and the import, and passes on the real tree.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./layering-fixture/', import.meta.url));
const DEPCRUISE = `${REPO}node_modules/dependency-cruiser/bin/dependency-cruiser.mjs`;
const CONFIG = `${REPO}.dependency-cruiser.mjs`;

/** depcruise as `npm run lint` runs it, in `cwd`: its exit code and output. */
async function layering(cwd: string, ...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [DEPCRUISE, '--config', CONFIG, ...args], { cwd });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

// A bound on a hang: a cruise of the tree takes ~2 s, and over 5 s on a loaded machine.
const TIMEOUT = 60_000;

describe('the layering check', () => {
  it(
    'reports each deliberate bad import of the fixture, and only those',
    async () => {
      // The json reporter exits 0 whatever it found: the exit code is the next test's.
      const { out } = await layering(FIXTURE, '--output-type', 'json', 'agent', 'contract', 'server');
      const { summary } = JSON.parse(out) as {
        summary: { violations: { rule: { name: string }; from: string; to: string }[] };
      };
      expect(summary.violations.map((v) => [v.rule.name, v.from, v.to]).sort()).toEqual([
        ['agent-imports-only-contract', 'agent/probe.ts', 'server/db/orm.ts'],
        ['contract-imports-no-program', 'contract/check.ts', 'agent/probe.ts'],
        ['domain-no-io', 'server/domain/clock.ts', 'fs'],
      ]);
    },
    TIMEOUT,
  );

  it(
    'fails with the rule, why it holds and the import at fault',
    async () => {
      const { code, out } = await layering(FIXTURE, '--output-type', 'err-long', 'agent', 'contract', 'server');
      expect(code).toBe(3); // the number of errors
      expect(out).toContain('error agent-imports-only-contract: agent/probe.ts → server/db/orm.ts');
      expect(out).toContain('agent/ imports only contract/, its own files, Node built-ins and its npm');
      expect(out).toContain('error domain-no-io: server/domain/clock.ts → fs');
    },
    TIMEOUT,
  );

  it(
    'passes on the real tree (npm run lint runs it)',
    async () => {
      const { code, out } = await layering(REPO, 'cli', 'contract', 'server', 'agent');
      expect(out).toContain('no dependency violations found');
      expect(code).toBe(0);
    },
    TIMEOUT,
  );
});

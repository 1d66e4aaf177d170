// The disk and memory probes against this machine, checked against what df
// and free say (the tests may shell out; the probes never do).
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createCycle, createProbes, runProbe } from '../../../agent/probes/index.ts';
import { checkOf } from '../../unit/agent/probes/fixtures.ts';
import { service } from '../../helpers/tools.ts';

const probes = createProbes();
const hasCommand = (name: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const df = service('df', hasCommand('df'), 'apt-get install -y coreutils');
const free = service('free', hasCommand('free'), 'apt-get install -y procps');

/** df's Used / (Used + Available), unrounded. */
function dfUsedPercent(path: string): number {
  const line = execFileSync('df', ['-P', '-B1', path], { encoding: 'utf8' }).trim().split('\n').at(-1)!;
  const [, , used, available] = line.split(/\s+/).map(Number);
  return (used! / (used! + available!)) * 100;
}

/** free's "available" against its total, as used percent. */
function freeUsedPercent(): number {
  const mem = execFileSync('free', ['-b'], { encoding: 'utf8' })
    .split('\n')
    .find((l) => l.startsWith('Mem:'))!;
  const columns = mem.split(/\s+/).slice(1).map(Number);
  return ((columns[0]! - columns[5]!) / columns[0]!) * 100;
}

describe('disk probe on this machine', () => {
  it.runIf(df.run).each(['/', tmpdir()])('agrees with df on %s', async (path) => {
    df.require();
    const outcome = await runProbe(checkOf('disk', { path, above: 100 }), createCycle(), probes);
    expect(outcome.status).toBe('OK');
    expect(outcome.value).not.toBeNull();
    expect(Math.abs(outcome.value! - dfUsedPercent(path))).toBeLessThan(1);
    expect(outcome.message).toMatch(
      new RegExp(`^${path.replace(/[/.]/g, '\\$&')} \\d+\\.\\d% used \\(.+ free of .+\\)$`),
    );
  });

  it('is CRITICAL over a limit of 0%, with the limit in the message', async () => {
    const outcome = await runProbe(checkOf('disk', { path: '/', above: 0 }), createCycle(), probes);
    expect(outcome.status).toBe('CRITICAL');
    expect(outcome.message).toMatch(/\(critical above 0%\)$/);
  });

  it('reports a path that does not exist as UNKNOWN', async () => {
    const outcome = await runProbe(checkOf('disk', { path: '/no/such/path', above: 90 }), createCycle(), probes);
    expect(outcome).toMatchObject({ status: 'UNKNOWN', value: null });
    expect(outcome.message).toMatch(/^cannot measure \/no\/such\/path: ENOENT/);
  });
});

describe('memory probe on this machine', () => {
  it.runIf(free.run)('agrees with free', async () => {
    free.require();
    const outcome = await runProbe(checkOf('memory', { above: 100 }), createCycle(), probes);
    expect(outcome.status).toBe('OK');
    // memory moves between the two readings; a few points is plenty
    expect(Math.abs(outcome.value! - freeUsedPercent())).toBeLessThan(3);
    expect(outcome.message).toMatch(/^memory \d+\.\d% used \(.+ available of .+\)$/);
  });
});

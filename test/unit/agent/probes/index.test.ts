import { describe, expect, it } from 'vitest';
import type { AgentCheck } from '../../../../contract/index.ts';
import { createCycle, createProbes, runProbe, type ProbeRegistry } from '../../../../agent/probes/index.ts';
import type { ProbeOutcome } from '../../../../agent/probes/probe.ts';
import { cpuCheck, processCheck } from './fixtures.ts';

function registry(process: () => Promise<ProbeOutcome>, cpu: () => Promise<ProbeOutcome>): ProbeRegistry {
  return { ...createProbes(), process: { kind: 'process', run: process }, cpu: { kind: 'cpu', run: cpu } };
}

const ok = (message: string) => (): Promise<ProbeOutcome> => Promise.resolve({ status: 'OK', value: 1, message });

describe('runProbe', () => {
  it.each<[string, AgentCheck, string]>([
    // a process check goes to the process probe
    ['process', processCheck({ name: 'nginx' }), 'from process'],
    // a cpu check goes to the cpu probe
    ['cpu', cpuCheck({ above: 90 }), 'from cpu'],
  ])('dispatches a %s check by kind', async (_kind, check, message) => {
    const probes = registry(ok('from process'), ok('from cpu'));
    expect(await runProbe(check, createCycle(), probes)).toEqual({ status: 'OK', value: 1, message });
  });

  it('turns a thrown error into UNKNOWN', async () => {
    const probes = registry(() => Promise.reject(new Error('EMFILE: too many open files')), ok('cpu'));
    expect(await runProbe(processCheck({ name: 'nginx' }), createCycle(), probes)).toEqual({
      status: 'UNKNOWN',
      value: null,
      message: 'process probe failed: EMFILE: too many open files',
    });
  });

  it.each([
    // a kind from a newer server
    ['smtp'],
    // a kind that is also an Object.prototype member
    ['constructor'],
  ])('answers UNKNOWN for the unknown kind %j', async (kind) => {
    const check = { ...cpuCheck({ above: 90 }), kind } as unknown as AgentCheck;
    expect(await runProbe(check, createCycle(), createProbes())).toEqual({
      status: 'UNKNOWN',
      value: null,
      message: `this agent cannot run "${kind}" checks; upgrade it`,
    });
  });

  it('clips messages to the 1024 characters a result may carry', async () => {
    const probes = registry(ok('x'.repeat(5000)), ok('cpu'));
    expect((await runProbe(processCheck({ name: 'x' }), createCycle(), probes)).message).toHaveLength(1024);
  });

  it('runs the real probes end to end', async () => {
    const probes = createProbes();
    const cycle = createCycle();
    const outcome = await runProbe(processCheck({ pattern: '.', minCount: 0 }), cycle, probes);
    expect(outcome).toMatchObject({ status: 'OK' });
    expect(outcome.value).toBeGreaterThan(0);
  });
});

// What one scrape of 20,000 check states (1,000 agents × 20 checks) costs in
// JavaScript heap: the exposition is written into buffers, not built as a
// string per line (ADR 9). A child node with young generation large enough
// that no collection runs during the scrape measures what it allocated.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const REGISTRY = new URL('../../../server/metrics/registry.ts', import.meta.url).href;

const script = `
const { createMetrics } = await import(${JSON.stringify(REGISTRY)});
const states = Array.from({ length: 20000 }, (_, i) => ({
  namespace: 'default', check: 'scale-check-' + (i % 20), kind: 'cpu', agent: 'scale-agent-' + Math.floor(i / 20),
  status: i % 7 === 0 ? 'CRITICAL' : 'OK', since: 1796178955.123 + i, value: i % 100, message: null,
  lastResultAt: 1796178960.5 + i, pendingStatus: null, pendingSince: null, pendingCountsAt: null,
}));
const agents = Array.from({ length: 1000 }, (_, i) => ({
  name: 'scale-agent-' + i, labels: {}, missing: false, lastSeenAt: 1796178955.1 + i, version: '0.1.0',
}));
const metrics = createMetrics({
  version: '0.0.0', isLeader: () => true, states: async () => states, agents: async () => agents, pool: async () => null,
});
for (let i = 0; i < 3; i++) await metrics.scrape(); // compiled and warm
globalThis.gc();
const before = process.memoryUsage().heapUsed;
const { body } = await metrics.scrape();
const allocated = process.memoryUsage().heapUsed - before;
process.stdout.write(JSON.stringify({ allocated, bytes: body.length }));
`;

describe('a scrape of 20,000 check states', () => {
  it('allocates under 20 MiB of JavaScript heap for its ~7 MB of text (it was 50 MiB)', () => {
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', '--min-semi-space-size=256', '--max-semi-space-size=256', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    const { allocated, bytes } = JSON.parse(out) as { allocated: number; bytes: number };
    expect(bytes).toBeGreaterThan(6_900_000);
    expect(allocated).toBeLessThan(20 * 2 ** 20);
  });
});

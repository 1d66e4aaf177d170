// What one scrape of 20,000 check states (1,000 agents × 20 checks) costs in
// JavaScript heap: the exposition is written into buffers, not built as a
// string per line (ADR 9).
import { describe, expect, it } from 'vitest';
import { CHILD_MS, heapAllocatedBy } from '../../helpers/heap-allocation.ts';

const REGISTRY = new URL('../../../server/metrics/registry.ts', import.meta.url).href;

describe('a scrape of 20,000 check states', () => {
  it(
    'allocates under 20 MiB of JavaScript heap for its ~7 MB of text (it was 50 MiB)',
    () => {
      const { allocated, bytes } = heapAllocatedBy(`
        const { createMetrics } = await import(${JSON.stringify(REGISTRY)});
        const metrics = createMetrics({
          version: '0.0.0', isLeader: () => true, states: async () => states, agents: async () => agents,
          pool: async () => null,
        });
        const run = async () => (await metrics.scrape()).body.length;`);
      expect(bytes).toBeGreaterThan(6_900_000);
      expect(allocated).toBeLessThan(20 * 2 ** 20);
    },
    CHILD_MS,
  );
});

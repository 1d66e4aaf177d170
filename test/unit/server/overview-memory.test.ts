// What one overview of 20,000 check states (1,000 agents × 20 checks) costs in
// JavaScript heap: the view and its text, and no more (ADR 9).
import { describe, expect, it } from 'vitest';
import { CHILD_MS, heapAllocatedBy } from '../../helpers/heap-allocation.ts';

const VIEWS = new URL('../../../server/api/dashboard-views.ts', import.meta.url).href;

describe('the overview of 20,000 check states', () => {
  it(
    'allocates under 20 MiB of JavaScript heap for its ~3.3 MB of JSON (through the schema serializer: 49 MiB)',
    () => {
      const { allocated, bytes } = heapAllocatedBy(`
        const { overviewJson } = await import(${JSON.stringify(VIEWS)});
        const checks = Array.from({ length: 20 }, (_, i) => ({
          id: String(i), namespace: 'default', name: 'scale-check-' + i, kind: 'cpu', severity: 'critical',
          intervalSpec: '10s',
        }));
        const now = new Date(1796179000000);
        const run = () => overviewJson(agents, checks, states, now).length;`);
      expect(bytes).toBeGreaterThan(3_000_000);
      expect(allocated).toBeLessThan(20 * 2 ** 20);
    },
    CHILD_MS,
  );
});

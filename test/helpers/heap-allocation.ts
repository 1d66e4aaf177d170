// What one call allocates in JavaScript heap: measured in a child node whose
// young generation (256 MiB) is large enough that nothing is collected while
// the call runs, after three warm-up calls, as the growth of heapUsed.
// Deterministic for a given Node, whatever the machine's load.
import { execFileSync } from 'node:child_process';

/** A child node on a busy machine takes seconds to start: a test's bound for a hang, not a speed. */
export const CHILD_MS = 60_000;

/**
 * The rows of a fleet of 1,000 agents × 20 checks, as the dashboard and the
 * scrape read them: `states` (20,000 StateFacts) and `agents` (1,000 AgentFacts).
 */
const FLEET = `
const states = Array.from({ length: 20000 }, (_, i) => ({
  namespace: 'default', check: 'scale-check-' + Math.floor(i / 1000), kind: 'cpu', agent: 'scale-agent-' + (i % 1000),
  status: i % 7 === 0 ? 'CRITICAL' : 'OK', since: 1796178955.123 + i, value: i % 100, message: i % 7 === 0 ? 'busy' : null,
  lastResultAt: 1796178960.5 + i, pendingStatus: null, pendingSince: null, pendingCountsAt: null,
}));
const agents = Array.from({ length: 1000 }, (_, i) => ({
  name: 'scale-agent-' + i, labels: {}, missing: false, lastSeenAt: 1796178955.1 + i, version: '0.1.0',
}));
`;

/**
 * `setup`: module code that may use `states` and `agents` and defines
 * `run()`, which returns the size in bytes of what it made. Returns what the
 * fourth call allocated and that size.
 */
export function heapAllocatedBy(setup: string): { allocated: number; bytes: number } {
  const script = `${FLEET}
${setup}
for (let i = 0; i < 3; i++) await run();
globalThis.gc();
const before = process.memoryUsage().heapUsed;
const bytes = await run();
const allocated = process.memoryUsage().heapUsed - before;
process.stdout.write(JSON.stringify({ allocated, bytes }));
`;
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--min-semi-space-size=256', '--max-semi-space-size=256', '--input-type=module', '-e', script],
    { encoding: 'utf8' },
  );
  return JSON.parse(out) as { allocated: number; bytes: number };
}

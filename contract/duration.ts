// Durations as people write them in YAML: 500ms, 30s, 5m, 1h30m, 7d.
// Plain functions, no schema library: the agent imports this file directly
// (the TypeBox schema is in duration-schema.ts; loading TypeBox costs ~20 MiB).

/** The durations a Check may hold (`interval`, `for`): the units a Kubernetes user writes. */
export const DURATION_PATTERN = '^([0-9]+(ms|s|m|h))+$';
/**
 * The longest interval and `for:` window a Check may hold. Past them nothing
 * is monitored in any useful sense, and unbounded they broke the programs: an
 * interval past Node's timer limit (~24.8 days) made the agent spin, and one
 * of 10^20 hours made every check-out's deadline an invalid date.
 */
export const MAX_INTERVAL_MS = 24 * 3_600_000;
export const MAX_WINDOW_MS = 24 * 3_600_000;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const WHOLE = /^(?:\d+(?:ms|s|m|h|d))+$/;
const PART = /(\d+)(ms|s|m|h|d)/g;

/** Milliseconds in a duration string, or null when the string is not one. */
export function parseDuration(text: string): number | null {
  if (!WHOLE.test(text)) return null;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * (UNIT_MS[unit!] ?? 0);
  return total;
}

/** The shortest readable form of a duration, for messages: 90_000 → "1m30s". */
export function formatDuration(ms: number): string {
  if (Math.round(ms) < 1000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}

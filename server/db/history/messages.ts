// Which messages a compacted block keeps (ADR 10). Every time, status and
// value is kept; a message is kept whenever it can say something the others
// do not: at a change of status, on every result that is not OK, the first
// and the last of the block (so the latest message of a series is always
// there), and whenever it repeats the message kept before it (which costs
// nothing: a run in the dictionary). What goes is the OK message that only
// restates its value ("CPU 12.3% busy").
import type { StoredResult } from './codec.ts';

export function thinMessages(results: readonly StoredResult[]): StoredResult[] {
  let kept: string | null = null;
  return results.map((r, i) => {
    const keep =
      i === 0 ||
      i === results.length - 1 ||
      r.status !== 'OK' ||
      r.status !== results[i - 1]!.status ||
      r.message === kept;
    if (!keep || r.message === null) return keep ? r : { ...r, message: null };
    kept = r.message;
    return r;
  });
}

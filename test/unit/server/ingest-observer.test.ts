import { describe, expect, it } from 'vitest';
import type { ResultItem } from '../../../server/db/results.repository.ts';
import { observed, type IngestObserver } from '../../../server/ingest/ingest-observer.ts';

function recorder(): IngestObserver & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    batchCommitted: (items, stored, seconds) =>
      calls.push(`committed ${items.length} stored ${stored.size} ${seconds >= 0 ? 'timed' : 'untimed'}`),
    batchFailed: (items) => calls.push(`failed ${items.length}`),
  };
}

const items = [{ checkId: 'a' }, { checkId: 'b' }] as ResultItem[];

describe('observed batch writer', () => {
  it('reports a committed batch with the ids it stored and passes the outcome through', async () => {
    const observer = recorder();
    const outcome = { stored: new Set([items[0]!]), orphaned: new Set<ResultItem>(), transitions: 0 };
    await expect(observed(() => Promise.resolve(outcome), observer)(items)).resolves.toBe(outcome);
    expect(observer.calls).toEqual(['committed 2 stored 1 timed']);
  });

  it('reports a failed batch and rethrows its error unchanged', async () => {
    const observer = recorder();
    const error = new Error('deadlock');
    await expect(observed(() => Promise.reject(error), observer)(items)).rejects.toBe(error);
    expect(observer.calls).toEqual(['failed 2']);
  });
});

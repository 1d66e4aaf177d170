import { describe, expect, it } from 'vitest';
import { AbandonedError, GroupCommitter } from '../../../server/ingest/group-commit.ts';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A commit function the test drives: every call records its items and waits
 * until the test settles it. With `autoFrom`, calls from that batch on
 * succeed at once. A batch's outcome is its index.
 */
function controlledCommit(autoFrom = Infinity) {
  const batches: string[][] = [];
  const pending: Deferred<number>[] = [];
  const commit = (items: string[]): Promise<number> => {
    const index = batches.push(items) - 1;
    if (index >= autoFrom) return Promise.resolve(index);
    const d = deferred<number>();
    pending[index] = d;
    return d.promise;
  };
  return {
    batches,
    commit,
    succeed: (index: number) => pending[index]!.resolve(index),
    fail: (index: number, error: unknown) => pending[index]!.reject(error),
  };
}

describe('GroupCommitter', () => {
  it('commits at once when idle', async () => {
    const c = controlledCommit();
    const committer = new GroupCommitter(c.commit);
    const reply = committer.submit(['a1', 'a2']);
    expect(c.batches).toEqual([['a1', 'a2']]);
    c.succeed(0);
    await expect(reply).resolves.toBe(0);
  });

  it('puts requests that arrive during a commit together in the next batch', async () => {
    const c = controlledCommit();
    const committer = new GroupCommitter(c.commit);
    const a = committer.submit(['a']);
    const b = committer.submit(['b1', 'b2']);
    const d = committer.submit(['d']);
    expect(c.batches).toEqual([['a']]);
    c.succeed(0);
    await expect(a).resolves.toBe(0);
    expect(c.batches).toEqual([['a'], ['b1', 'b2', 'd']]);
    c.succeed(1);
    await expect(Promise.all([b, d])).resolves.toEqual([1, 1]);
  });

  it('does not start a second commit while one is running', async () => {
    const c = controlledCommit();
    const committer = new GroupCommitter(c.commit);
    const replies = [committer.submit(['a']), committer.submit(['b']), committer.submit(['c'])];
    expect(c.batches).toHaveLength(1);
    c.succeed(0);
    await replies[0];
    expect(c.batches).toHaveLength(2);
    c.succeed(1);
    await expect(Promise.all(replies)).resolves.toEqual([0, 1, 1]);
  });

  it('with concurrency 2, starts a second commit at once and groups what arrives while both run', async () => {
    const c = controlledCommit();
    const committer = new GroupCommitter(c.commit, { concurrency: 2 });
    const a = committer.submit(['a']);
    const b = committer.submit(['b']);
    const d = committer.submit(['d']);
    const e = committer.submit(['e']);
    expect(c.batches).toEqual([['a'], ['b']]);
    c.succeed(1); // the second finishes first: its loop takes everything that waits
    await expect(b).resolves.toBe(1);
    expect(c.batches).toEqual([['a'], ['b'], ['d', 'e']]);
    c.succeed(0);
    c.succeed(2);
    await expect(Promise.all([a, d, e])).resolves.toEqual([0, 2, 2]);
  });

  it('refuses a concurrency below 1', () => {
    expect(() => new GroupCommitter(() => Promise.resolve(0), { concurrency: 0 })).toThrow(RangeError);
  });

  it('commits at once again after the queue has drained', async () => {
    const c = controlledCommit();
    const committer = new GroupCommitter(c.commit);
    const first = committer.submit(['a']);
    c.succeed(0);
    await first;
    const second = committer.submit(['b']);
    expect(c.batches).toEqual([['a'], ['b']]);
    c.succeed(1);
    await expect(second).resolves.toBe(1);
  });

  it.each<[string, number, number[], number[][]]>([
    // everything waiting fits into one batch
    ['takes every waiting request when they fit', 5, [1, 2, 2], [[0, 1, 2]]],
    // 2+1 fills the batch; the last request waits for the next one
    ['splits at maxItems', 3, [2, 1, 2], [[0, 1], [2]]],
    // a request is never split, and a too-large one goes alone
    ['sends a request larger than maxItems alone and whole', 2, [5, 1], [[0], [1]]],
    // order is kept: the small third request does not jump ahead to fill the first batch
    ['keeps arrival order rather than filling a batch', 3, [2, 2, 1], [[0], [1, 2]]],
    // maxItems 1: one request per batch
    ['commits one request per batch when maxItems is 1', 1, [1, 1, 1], [[0], [1], [2]]],
  ])('%s', async (_name, maxItems, sizes, expectedBatches) => {
    // batch 0 is held open so that every request below waits; later batches commit at once
    const c = controlledCommit(1);
    const committer = new GroupCommitter(c.commit, { maxItems });
    const blocker = committer.submit([]);
    const waiting = sizes.map((size, request) =>
      committer.submit(Array.from({ length: size }, (_, item) => `r${request}.${item}`)),
    );
    c.succeed(0);
    await blocker;
    const outcomes = await Promise.all(waiting);
    const requestsPerBatch = c.batches
      .slice(1)
      .map((items) => [...new Set(items.map((item) => Number(item.slice(1, item.indexOf('.')))))]);
    expect(requestsPerBatch).toEqual(expectedBatches);
    expect(outcomes).toEqual(sizes.map((_, request) => 1 + expectedBatches.findIndex((b) => b.includes(request))));
  });

  it('rejects exactly the requests of a failed batch and still commits the next one', async () => {
    const c = controlledCommit();
    const committer = new GroupCommitter(c.commit);
    const a = committer.submit(['a']);
    const b = committer.submit(['b']);
    const d = committer.submit(['d']);
    c.succeed(0);
    await a;
    const e = committer.submit(['e']); // arrives during the batch that will fail
    const outcome = Promise.allSettled([a, b, d, e]);
    const failure = new Error('serialization failure');
    c.fail(1, failure);
    await expect(b).rejects.toBe(failure);
    expect(c.batches).toEqual([['a'], ['b', 'd'], ['e']]);
    c.succeed(2);
    expect(await outcome).toEqual([
      { status: 'fulfilled', value: 0 },
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
      { status: 'fulfilled', value: 2 },
    ]);
  });

  it('commits at once again after a failed batch emptied the queue', async () => {
    const c = controlledCommit();
    const committer = new GroupCommitter(c.commit);
    const failed = committer.submit(['a']);
    c.fail(0, new Error('down'));
    await expect(failed).rejects.toThrow('down');
    const next = committer.submit(['b']);
    expect(c.batches).toEqual([['a'], ['b']]);
    c.succeed(1);
    await expect(next).resolves.toBe(1);
  });

  it('rejects the batch when the commit function throws instead of rejecting', async () => {
    let calls = 0;
    const committer = new GroupCommitter<string, string>((items) => {
      calls++;
      if (calls === 1) throw new Error('thrown synchronously');
      return Promise.resolve(items.join(','));
    });
    await expect(committer.submit(['a'])).rejects.toThrow('thrown synchronously');
    await expect(committer.submit(['b'])).resolves.toBe('b');
  });

  it('drops a request whose caller left before its batch was taken, and commits the others', async () => {
    const c = controlledCommit();
    const committer = new GroupCommitter(c.commit);
    const a = committer.submit(['a']);
    let left = false;
    const b = committer.submit(['b1', 'b2'], () => left);
    const d = committer.submit(['d'], () => false);
    left = true; // b's agent timed out while a was being committed
    c.succeed(0);
    await expect(a).resolves.toBe(0);
    await expect(b).rejects.toBeInstanceOf(AbandonedError);
    expect(c.batches).toEqual([['a'], ['d']]);
    c.succeed(1);
    await expect(d).resolves.toBe(1);
  });

  it('commits nothing when every waiting caller left', async () => {
    const c = controlledCommit();
    const committer = new GroupCommitter(c.commit);
    const a = committer.submit(['a']);
    const b = committer.submit(['b'], () => true);
    c.succeed(0);
    await expect(b).rejects.toBeInstanceOf(AbandonedError);
    await expect(a).resolves.toBe(0);
    expect(c.batches).toEqual([['a']]);
    const e = committer.submit(['e']); // the loop is free again: committed at once
    expect(c.batches).toEqual([['a'], ['e']]);
    c.succeed(1);
    await expect(e).resolves.toBe(1);
  });
});

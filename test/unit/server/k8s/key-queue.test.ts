import { describe, expect, it } from 'vitest';
import { createBackoff } from '../../../../contract/backoff.ts';
import { KeyQueue } from '../../../../server/k8s/key-queue.ts';

/** A promise the test resolves or rejects when it chooses. */
function deferred(): { promise: Promise<void>; resolve(): void; reject(error: Error): void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** Timers the test fires by hand: no real clock in these tests. */
function manualTimers() {
  const pending: { ms: number; run: () => void; cancelled: boolean }[] = [];
  return {
    pending,
    schedule: (ms: number, run: () => void) => {
      const entry = { ms, run, cancelled: false };
      pending.push(entry);
      return () => (entry.cancelled = true);
    },
    live: () => pending.filter((p) => !p.cancelled),
  };
}

function recordingQueue(handler: (key: string) => Promise<void>) {
  const timers = manualTimers();
  const errors: { key: string; retryInMs: number }[] = [];
  const queue = new KeyQueue(handler, {
    onError: (key, _error, retryInMs) => errors.push({ key, retryInMs }),
    // the top of each draw: 100, 200, 400 … ms
    backoff: () => createBackoff(100, 1000, () => 1),
    schedule: timers.schedule,
  });
  return { queue, timers, errors };
}

describe('KeyQueue', () => {
  it('runs one worker per key, coalesces what arrives meanwhile into one more run, and runs other keys alongside', async () => {
    const gate = deferred();
    const runs: string[] = [];
    let active = 0;
    let mostActiveForA = 0;
    const { queue } = recordingQueue(async (key) => {
      runs.push(key);
      if (key === 'a') {
        active++;
        mostActiveForA = Math.max(mostActiveForA, active);
        if (runs.filter((k) => k === 'a').length === 1) await gate.promise;
        active--;
      }
    });
    queue.enqueue('a');
    queue.enqueue('a');
    queue.enqueue('a');
    queue.enqueue('b'); // not held up by a's run
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toEqual(['a', 'b']);
    gate.resolve();
    await queue.idle();
    expect(runs).toEqual(['a', 'b', 'a']); // three enqueues during one run: one more run
    expect(mostActiveForA).toBe(1);
  });

  it('retries a failed key after the backoff, and resets the backoff once it succeeds', async () => {
    let failuresLeft = 2;
    const runs: string[] = [];
    const { queue, timers, errors } = recordingQueue(async (key) => {
      runs.push(key);
      if (failuresLeft-- > 0) throw new Error('database refused');
    });
    queue.enqueue('web/cpu');
    await queue.idle();
    expect(errors).toEqual([{ key: 'web/cpu', retryInMs: 100 }]);
    expect(queue.retrying()).toEqual(['web/cpu']);
    timers.live()[0]!.run();
    await queue.idle();
    expect(errors.at(-1)).toEqual({ key: 'web/cpu', retryInMs: 200 }); // the second failure waits longer
    timers.live().at(-1)!.run();
    await queue.idle();
    expect(runs).toEqual(['web/cpu', 'web/cpu', 'web/cpu']);
    expect(queue.retrying()).toEqual([]);
    // a success reset it: the next failure starts from the base again
    failuresLeft = 1;
    queue.enqueue('web/cpu');
    await queue.idle();
    expect(errors.at(-1)).toEqual({ key: 'web/cpu', retryInMs: 100 });
  });

  it('runs a key waiting on a retry at once when an event for it comes, cancelling the timer', async () => {
    let fail = true;
    const { queue, timers } = recordingQueue(async () => {
      if (fail) throw new Error('apiserver down');
    });
    queue.enqueue('k');
    await queue.idle();
    expect(timers.live()).toHaveLength(1);
    fail = false;
    queue.enqueue('k');
    await queue.idle();
    expect(timers.live()).toEqual([]);
    expect(queue.retrying()).toEqual([]);
  });

  it('stops: cancels waiting retries and takes no more keys', async () => {
    const runs: string[] = [];
    const { queue, timers } = recordingQueue(async (key) => {
      runs.push(key);
      throw new Error('no');
    });
    queue.enqueue('k');
    await queue.idle();
    await queue.stop();
    expect(timers.live()).toEqual([]);
    queue.enqueue('k');
    await queue.idle();
    expect(runs).toEqual(['k']);
  });
});

// A per-key work queue: one reconcile per key at a time; changes that arrive
// meanwhile coalesce into one more run; a run that fails is retried after the
// project's backoff for that key (reset by a success), as controller-runtime's
// rate-limited workqueue does. An event for a key waiting on a retry runs it now.
import { createBackoff, type Backoff } from '../../contract/backoff.ts';

export interface KeyQueueOptions {
  /** Told of each failure and when the key runs again. */
  onError(key: string, error: unknown, retryInMs: number): void;
  /** A fresh backoff per failing key (default: 500 ms doubling to 5 min, jittered). */
  backoff?: () => Backoff;
  /** Runs `run` after `ms`; returns a cancel. Injectable so tests need no real timers. */
  schedule?: (ms: number, run: () => void) => () => void;
}

const RETRY_BASE_MS = 500;
const RETRY_CAP_MS = 5 * 60_000;

function timer(ms: number, run: () => void): () => void {
  const handle = setTimeout(run, ms);
  handle.unref();
  return () => clearTimeout(handle);
}

export class KeyQueue {
  private readonly running = new Map<string, { dirty: boolean; done: Promise<void> }>();
  private readonly failing = new Map<string, Backoff>();
  private readonly retries = new Map<string, () => void>();
  private readonly handler: (key: string) => Promise<void>;
  private readonly options: Required<KeyQueueOptions>;
  private stopped = false;

  constructor(handler: (key: string) => Promise<void>, options: KeyQueueOptions) {
    this.handler = handler;
    this.options = {
      backoff: () => createBackoff(RETRY_BASE_MS, RETRY_CAP_MS),
      schedule: timer,
      ...options,
    };
  }

  enqueue(key: string): void {
    if (this.stopped) return;
    this.retries.get(key)?.();
    this.retries.delete(key);
    const current = this.running.get(key);
    if (current) {
      current.dirty = true;
      return;
    }
    const entry = { dirty: true, done: Promise.resolve() };
    entry.done = this.loop(key, entry);
    this.running.set(key, entry);
  }

  /** Keys waiting for a retry after a failure. */
  retrying(): string[] {
    return [...this.retries.keys()];
  }

  private async loop(key: string, entry: { dirty: boolean }): Promise<void> {
    while (entry.dirty) {
      entry.dirty = false;
      try {
        await this.handler(key);
        this.failing.delete(key);
      } catch (error) {
        // A change that came in during the failed run retries it at once; otherwise after the backoff.
        if (entry.dirty) this.options.onError(key, error, 0);
        else this.retryLater(key, error);
      }
    }
    this.running.delete(key);
  }

  private retryLater(key: string, error: unknown): void {
    let backoff = this.failing.get(key);
    if (!backoff) this.failing.set(key, (backoff = this.options.backoff()));
    const delay = backoff.next();
    this.options.onError(key, error, delay);
    if (this.stopped) return;
    this.retries.set(
      key,
      this.options.schedule(delay, () => {
        this.retries.delete(key);
        this.enqueue(key);
      }),
    );
  }

  /** Resolves when every queued key has been handled (retries still waiting do not count). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((e) => e.done));
  }

  /** No more runs or retries; resolves when the runs under way are done. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const cancel of this.retries.values()) cancel();
    this.retries.clear();
    await this.idle();
  }
}

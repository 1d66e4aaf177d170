// Group commit: requests that arrive while batches are being committed wait
// and go together in the next one. One transaction serves many posts, so the
// seed's one-result-per-POST conversation does not cost one commit per result,
// and no request waits on a timer: an idle server commits at once.
//
// Up to `concurrency` batches are committed at once. With one, a request that
// arrives just after a commit started waits for all of it before its own
// begins; with two, it starts as soon as it arrives (while the other commit is
// waiting on PostgreSQL), so latency nears one commit rather than one and a half.
//
// A request whose caller is gone (its connection closed: the agent timed out
// and will resend the same results) is dropped before
// its batch is taken, not committed for no one. On a server short of CPU those
// are most of the queue, and kept they made it grow for as long as agents
// retried (the scale soak, ADR 9).

/** Thrown to the submitter of items dropped because their caller was gone. */
export class AbandonedError extends Error {
  constructor() {
    super('the caller left before its results were committed');
  }
}

export type CommitFn<T, R> = (items: T[]) => Promise<R>;

export interface GroupCommitOptions {
  /** Requests are taken whole until a batch holds this many items (a larger request goes alone). */
  maxItems?: number;
  /** Batches committed at the same time. */
  concurrency?: number;
}

interface Waiting<T, R> {
  items: T[];
  abandoned: () => boolean;
  resolve: (outcome: R) => void;
  reject: (error: unknown) => void;
}

export class GroupCommitter<T, R> {
  private readonly commit: CommitFn<T, R>;
  private readonly maxItems: number;
  private readonly concurrency: number;
  private queue: Waiting<T, R>[] = [];
  private running = 0;

  constructor(commit: CommitFn<T, R>, { maxItems = 5000, concurrency = 1 }: GroupCommitOptions = {}) {
    if (!(concurrency >= 1)) throw new RangeError(`concurrency must be at least 1, not ${concurrency}`);
    this.commit = commit;
    this.maxItems = maxItems;
    this.concurrency = concurrency;
  }

  /**
   * Resolves with the outcome of the batch that held these items, once it is
   * committed; rejects with AbandonedError if `abandoned()` is true when their
   * batch is taken.
   */
  submit(items: T[], abandoned: () => boolean = () => false): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ items, abandoned, resolve, reject });
      if (this.running < this.concurrency) void this.drain();
    });
  }

  /** One committing loop: takes a batch, commits it, and goes on while requests wait. */
  private async drain(): Promise<void> {
    this.running++;
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        if (batch.length === 0) break;
        try {
          const outcome = await this.commit(batch.flatMap((w) => w.items));
          for (const w of batch) w.resolve(outcome);
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      this.running--;
    }
  }

  private takeBatch(): Waiting<T, R>[] {
    this.dropAbandoned();
    let count = 0;
    let take = 0;
    while (take < this.queue.length && (take === 0 || count + this.queue[take]!.items.length <= this.maxItems)) {
      count += this.queue[take]!.items.length;
      take++;
    }
    return this.queue.splice(0, take);
  }

  private dropAbandoned(): void {
    const kept: Waiting<T, R>[] = [];
    for (const w of this.queue) {
      if (w.abandoned()) w.reject(new AbandonedError());
      else kept.push(w);
    }
    this.queue = kept;
  }
}

// Group commit: requests that arrive while a batch is being committed wait
// and go together in the next one. One transaction serves many posts, so the
// seed's one-result-per-POST conversation does not cost one commit per result,
// and no request waits on a timer: an idle server commits at once.

export type CommitFn<T, R> = (items: T[]) => Promise<R>;

interface Waiting<T, R> {
  items: T[];
  resolve: (outcome: R) => void;
  reject: (error: unknown) => void;
}

export class GroupCommitter<T, R> {
  private readonly commit: CommitFn<T, R>;
  private readonly maxItems: number;
  private queue: Waiting<T, R>[] = [];
  private running = false;

  constructor(commit: CommitFn<T, R>, maxItems = 5000) {
    this.commit = commit;
    this.maxItems = maxItems;
  }

  /** Resolves with the outcome of the batch that held these items, once it is committed. */
  submit(items: T[]): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        try {
          const outcome = await this.commit(batch.flatMap((w) => w.items));
          for (const w of batch) w.resolve(outcome);
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private takeBatch(): Waiting<T, R>[] {
    let count = 0;
    let take = 0;
    while (take < this.queue.length && (take === 0 || count + this.queue[take]!.items.length <= this.maxItems)) {
      count += this.queue[take]!.items.length;
      take++;
    }
    return this.queue.splice(0, take);
  }
}

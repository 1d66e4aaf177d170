// A per-key work queue: one reconcile per key at a time; changes that arrive
// meanwhile coalesce into one more run (the controller-runtime workqueue idea).
export class KeyQueue {
  private readonly running = new Map<string, { dirty: boolean; done: Promise<void> }>();
  private readonly handler: (key: string) => Promise<void>;
  private readonly onError: (key: string, error: unknown) => void;

  constructor(handler: (key: string) => Promise<void>, onError: (key: string, error: unknown) => void) {
    this.handler = handler;
    this.onError = onError;
  }

  enqueue(key: string): void {
    const current = this.running.get(key);
    if (current) {
      current.dirty = true;
      return;
    }
    const entry = { dirty: true, done: Promise.resolve() };
    entry.done = this.loop(key, entry);
    this.running.set(key, entry);
  }

  private async loop(key: string, entry: { dirty: boolean }): Promise<void> {
    while (entry.dirty) {
      entry.dirty = false;
      try {
        await this.handler(key);
      } catch (error) {
        this.onError(key, error);
      }
    }
    this.running.delete(key);
  }

  /** Resolves when every queued key has been handled. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((e) => e.done));
  }
}

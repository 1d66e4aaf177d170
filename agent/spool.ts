// Results waiting to be sent. Bounded: when the server is away for long, the
// oldest results go first (counted), so memory stays flat and fresh data wins.
import type { ResultIn } from '../contract/index.ts';

export class ResultSpool {
  private items: ResultIn[] = [];
  private readonly capacity: number;
  dropped = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.items.length;
  }

  /** Returns how many old results had to be dropped to make room. */
  add(results: readonly ResultIn[]): number {
    this.items.push(...results);
    const excess = this.items.length - this.capacity;
    if (excess <= 0) return 0;
    this.items.splice(0, excess);
    this.dropped += excess;
    return excess;
  }

  /**
   * The oldest results, up to `max` of them and `maxBytes` of JSON (at least
   * one), left in place until `ack`. By bytes too: after an outage a batch of
   * long messages can pass the server's body limit long before the count.
   */
  peek(max: number, maxBytes = Infinity): ResultIn[] {
    let bytes = 2; // the array's brackets
    let take = 0;
    while (take < Math.min(max, this.items.length)) {
      bytes += Buffer.byteLength(JSON.stringify(this.items[take])) + 1;
      if (take > 0 && bytes > maxBytes) break;
      take++;
    }
    return this.items.slice(0, take);
  }

  /** Remove these results, as `peek` returned them (they were stored, or refused for good). */
  ack(sent: readonly ResultIn[]): void {
    const done = new Set(sent);
    this.items = this.items.filter((r) => !done.has(r));
  }
}

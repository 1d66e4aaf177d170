import { describe, expect, it } from 'vitest';
import { createHeapKeeper, GROWTH_BYTES } from '../../../agent/heap.ts';

const MiB = 1024 * 1024;

/** A heap that is `live` bytes after a collection and grows as the cycles say. */
function fakeHeap(live: number) {
  let used = live;
  let collections = 0;
  return {
    grow: (bytes: number) => (used += bytes),
    gc: () => ((used = live), collections++),
    heapUsed: () => used,
    collections: () => collections,
  };
}

describe('createHeapKeeper', () => {
  it.each<[string, number[], number[]]>([
    // growth per cycle → after which cycles it collects (1-based)
    ['never while the heap grows less than GROWTH_BYTES', [0.5 * MiB, 0.5 * MiB, 0.5 * MiB], []],
    ['once it grew GROWTH_BYTES in all', [MiB, MiB - 1, 1], [3]],
    ['at once after a cycle that grew it past', [GROWTH_BYTES + 1], [1]],
    ['counting again from what the collection left', [GROWTH_BYTES, MiB, MiB, 0.5 * MiB], [1, 3]],
  ])('%s', (_name, growth, collectedAfter) => {
    const heap = fakeHeap(5.5 * MiB);
    const keeper = createHeapKeeper(heap.gc, heap.heapUsed);
    const collected = growth.flatMap((bytes, i) => (heap.grow(bytes), keeper.afterCycle() ? [i + 1] : []));
    expect(collected).toEqual(collectedAfter);
    expect(heap.collections()).toBe(collectedAfter.length);
  });

  it('never collects without gc() (node run without --expose-gc)', () => {
    const heap = fakeHeap(5.5 * MiB);
    const keeper = createHeapKeeper(undefined, heap.heapUsed);
    heap.grow(10 * GROWTH_BYTES);
    expect(keeper.afterCycle()).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { ResultSpool } from '../../../agent/spool.ts';
import type { ResultIn } from '../../../contract/index.ts';

const CHECK = '0b7e3c1d-5a2f-4e68-8c91-7d4f2e6a9b35';

/** A fresh result whose value is n, so order is easy to read (no id: the agent sends none). */
const result = (n: number): ResultIn => ({
  check: CHECK,
  status: 'OK',
  value: n,
  observedAt: new Date(Date.UTC(2025, 2, 1, 12, 0, n)).toISOString(),
});
const results = (...ns: number[]): ResultIn[] => ns.map(result);
const values = (items: readonly ResultIn[]): unknown[] => items.map((r) => r.value);
/** One result's JSON length (all fixtures serialise to the same length). */
const BYTES = JSON.stringify(result(1)).length;

describe('ResultSpool', () => {
  it.each<[string, number, number[][], number[], number[], number]>([
    // room for everything
    ['keeps everything below capacity', 5, [[1, 2], [3]], [0, 0], [1, 2, 3], 0],
    // exactly full
    ['keeps everything at capacity', 3, [[1, 2, 3]], [0], [1, 2, 3], 0],
    // one over: the oldest goes
    ['drops the oldest when one over', 3, [[1, 2, 3], [4]], [0, 1], [2, 3, 4], 1],
    // a single add larger than the spool keeps its newest results
    ['keeps the newest of an add larger than the capacity', 2, [[1, 2, 3, 4, 5]], [3], [4, 5], 3],
    // drops add up over several adds
    ['counts drops over several adds', 2, [[1, 2], [3], [4, 5]], [0, 1, 2], [4, 5], 3],
  ])('%s', (_name, capacity, adds, droppedPerAdd, kept, droppedTotal) => {
    const spool = new ResultSpool(capacity);
    expect(adds.map((ns) => spool.add(results(...ns)))).toEqual(droppedPerAdd);
    expect(values(spool.peek(Infinity))).toEqual(kept);
    expect(spool.size).toBe(kept.length);
    expect(spool.dropped).toBe(droppedTotal);
  });

  it('peeks the oldest results up to max and leaves them in place', () => {
    const spool = new ResultSpool(10);
    spool.add(results(1, 2, 3, 4));
    expect(values(spool.peek(2))).toEqual([1, 2]);
    expect(values(spool.peek(2))).toEqual([1, 2]);
    expect(spool.size).toBe(4);
  });

  it.each<[string, number, number[]]>([
    // each result serialises to the same length here; the array adds its brackets and commas
    ['room for exactly two', 2 + 2 * (BYTES + 1), [1, 2]],
    ['one byte short of two', 2 + 2 * (BYTES + 1) - 1, [1]],
    // a single result larger than the limit still goes (alone): the server decides what it refuses
    ['less than one', 10, [1]],
    ['no byte limit', Infinity, [1, 2, 3, 4]],
  ])('peeks by bytes as well as by count: %s', (_name, maxBytes, expected) => {
    const spool = new ResultSpool(10);
    spool.add(results(1, 2, 3, 4));
    expect(values(spool.peek(10, maxBytes))).toEqual(expected);
  });

  it('peeks a copy, so changing it does not change the spool', () => {
    const spool = new ResultSpool(10);
    spool.add(results(1, 2));
    spool.peek(2).pop();
    expect(spool.size).toBe(2);
  });

  it('acks the results it is given, removing only those and keeping the order', () => {
    const spool = new ResultSpool(10);
    const added = results(1, 2, 3, 4);
    spool.add(added);
    spool.ack([added[2]!, added[0]!]);
    expect(values(spool.peek(10))).toEqual([2, 4]);
  });

  it('acks a result, not its equal: two results alike stay two', () => {
    const spool = new ResultSpool(10);
    const [first, twin] = results(1, 1);
    spool.add([first!, twin!]);
    spool.ack(spool.peek(1));
    expect(spool.peek(10)).toEqual([result(1)]);
    expect(spool.peek(10)[0]).toBe(twin);
  });

  it('acks a peeked batch while newer results are added meanwhile', () => {
    const spool = new ResultSpool(10);
    spool.add(results(1, 2));
    const batch = spool.peek(10);
    spool.add(results(3));
    spool.ack(batch);
    expect(values(spool.peek(10))).toEqual([3]);
  });

  it('ignores an ack for results already dropped', () => {
    const spool = new ResultSpool(2);
    spool.add(results(1, 2));
    const batch = spool.peek(2);
    spool.add(results(3)); // drops 1 while the batch is in flight
    spool.ack(batch);
    expect(values(spool.peek(10))).toEqual([3]);
    expect(spool.dropped).toBe(1);
  });
});

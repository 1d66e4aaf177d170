// `node bench/block-alternatives.ts`: the block layouts ADR 10 weighed, on the
// storage bench's own week (lib/week-mix.ts: 2 agents x 7 kinds, 30 s),
// encoded in memory: bytes of block data per result for each bucket length,
// with every message or only those that say something the value does not,
// deflated (what the server stores) or with brotli instead, and the estimate
// with ~128 B of row and index per block added. No database: the figure the
// database adds is bench/storage.ts's.
import { brotliCompressSync, constants, inflateRawSync } from 'node:zlib';
import { KINDS, weekMix } from './lib/week-mix.ts';
import { decodeBlock, encodeBlock, type StoredResult } from '../server/db/history/codec.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const ROW_AND_INDEX = 128;

/** The lossy alternative: an OK message kept only at a change, first, last, or when it repeats the last kept. */
function thin(results: readonly StoredResult[]): StoredResult[] {
  let kept: string | null = null;
  return results.map((r, i) => {
    const keep =
      i === 0 ||
      i === results.length - 1 ||
      r.status !== 'OK' ||
      r.status !== results[i - 1]!.status ||
      r.message === kept;
    if (!keep) return { ...r, message: null };
    kept = r.message;
    return r;
  });
}

function brotli(block: Buffer): number {
  const raw = block[0] === 1 ? inflateRawSync(block.subarray(1)) : block.subarray(1);
  return 1 + brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
}

const to = Date.UTC(2026, 11, 1);
const bySeries = new Map<number, StoredResult[]>();
let n = 0;
for (const r of weekMix({
  agents: 2,
  perKind: 1,
  intervalMs: 30_000,
  from: new Date(to - 7 * DAY),
  to: new Date(to),
})) {
  const list = bySeries.get(r.series) ?? [];
  list.push({ t: r.observedAt.getTime(), status: r.status, value: r.value, message: r.message });
  bySeries.set(r.series, list);
  n++;
}
for (const bucketMs of [HOUR, 6 * HOUR, DAY])
  for (const lossy of [false, true]) {
    let deflated = 0;
    let brotlied = 0;
    let blocks = 0;
    const perKind = new Map<string, number>();
    for (const [series, results] of bySeries) {
      const buckets = Map.groupBy(results, (r) => Math.floor(r.t / bucketMs) * bucketMs);
      for (const [bucket, group] of buckets) {
        const data = lossy ? thin(group) : group;
        const block = encodeBlock(data, bucket);
        if (JSON.stringify(decodeBlock(block, bucket)) !== JSON.stringify(data)) throw new Error('round trip');
        deflated += block.length;
        brotlied += brotli(block);
        blocks++;
        const kind = KINDS[series % KINDS.length]!;
        perKind.set(kind, (perKind.get(kind) ?? 0) + block.length);
      }
    }
    const kinds = [...perKind].map(([k, b]) => `${k} ${(b / (n / KINDS.length)).toFixed(2)}`).join(', ');
    console.log(
      `${bucketMs / HOUR} h, ${lossy ? 'OK messages thinned' : 'every message'}: deflate ${(deflated / n).toFixed(2)} B, ` +
        `brotli ${(brotlied / n).toFixed(2)} B, with rows ${((deflated + blocks * ROW_AND_INDEX) / n).toFixed(2)} B (${kinds})`,
    );
  }

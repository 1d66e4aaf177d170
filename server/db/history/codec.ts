// One compacted block of a series' history: every result of one (check,
// agent, hour) in a few bytes each (ADR 10). Pure: bytes in, results out.
//
//   times     first offset from the bucket, then delta-of-delta (zigzag varints):
//             a check on a steady interval costs one byte a result, jitter or not
//   statuses  runs of (status, length)
//   values    runs of null / present; present values as delta ints at the
//             smallest decimal scale that holds them all exactly (the agent
//             rounds to 0.1 or 0.01), else byte-trimmed XOR of the float64 bits
//   messages  a dictionary of distinct texts and runs of indexes (0 = none)
// and the whole deflated (node:zlib) when that is smaller.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Status } from '../../domain/status.ts';
import { ByteReader, ByteWriter } from './bytes.ts';

export interface StoredResult {
  /** Observation time, ms since the epoch. */
  t: number;
  status: Status;
  value: number | null;
  message: string | null;
}

const STATUS_CODES: readonly Status[] = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];
const VERSION = 1;
const RAW = 0;
const DEFLATED = 1;
const FLOAT_BITS = 255;
const MAX_SCALE = 6;

/** Encodes results (ascending, distinct times, none before `bucketStart`). */
export function encodeBlock(results: readonly StoredResult[], bucketStart: number): Buffer {
  const w = new ByteWriter();
  w.varint(VERSION);
  w.varint(results.length);
  writeTimes(w, results, bucketStart);
  writeRuns(
    w,
    results.map((r) => STATUS_CODES.indexOf(r.status)),
  );
  writeValues(w, results);
  writeMessages(w, results);
  const raw = w.bytes();
  const deflated = deflateRawSync(raw, { level: 9 });
  return deflated.length < raw.length
    ? Buffer.concat([Buffer.of(DEFLATED), deflated])
    : Buffer.concat([Buffer.of(RAW), raw]);
}

export function decodeBlock(block: Uint8Array, bucketStart: number): StoredResult[] {
  const body = block.subarray(1);
  const r = new ByteReader(block[0] === DEFLATED ? inflateRawSync(body) : body);
  const version = r.varint();
  if (version !== VERSION) throw new Error(`result block version ${version} is not one this server reads`);
  const count = r.varint();
  const times = readTimes(r, count, bucketStart);
  const statuses = readRuns(r, count).map((code) => STATUS_CODES[code]!);
  const values = readValues(r, count);
  const messages = readMessages(r, count);
  return times.map((t, i) => ({ t, status: statuses[i]!, value: values[i]!, message: messages[i]! }));
}

function writeTimes(w: ByteWriter, results: readonly StoredResult[], bucketStart: number): void {
  let previous = bucketStart;
  let delta = 0;
  results.forEach((r, i) => {
    if (i === 0) w.varint(r.t - bucketStart);
    else w.signed(r.t - previous - delta);
    if (i > 0) delta = r.t - previous;
    previous = r.t;
  });
}

function readTimes(r: ByteReader, count: number, bucketStart: number): number[] {
  const times: number[] = [];
  let delta = 0;
  for (let i = 0; i < count; i++) {
    if (i === 0) times.push(bucketStart + r.varint());
    else {
      delta += r.signed();
      times.push(times[i - 1]! + delta);
    }
  }
  return times;
}

/** Runs of small codes: how many runs, then (code, length) each. */
function writeRuns(w: ByteWriter, codes: readonly number[]): void {
  const runs: [number, number][] = [];
  for (const code of codes) {
    const last = runs.at(-1);
    if (last && last[0] === code) last[1]++;
    else runs.push([code, 1]);
  }
  w.varint(runs.length);
  for (const [code, length] of runs) {
    w.varint(code);
    w.varint(length);
  }
}

function readRuns(r: ByteReader, count: number): number[] {
  const codes: number[] = [];
  for (let runs = r.varint(); runs > 0; runs--) {
    const code = r.varint();
    for (let n = r.varint(); n > 0; n--) codes.push(code);
  }
  if (codes.length !== count) throw new Error(`result block: ${codes.length} run entries for ${count} results`);
  return codes;
}

/** Scaled values stay under this, so a delta's zigzag (4x) stays a safe integer. */
const MAX_SCALED = 2 ** 50;

/**
 * The smallest number of decimals at which every value is an exact integer
 * (small enough to take deltas of), or null. -0 has no integer of its own.
 */
export function decimalScale(values: readonly number[]): number | null {
  for (let scale = 0; scale <= MAX_SCALE; scale++) {
    const factor = 10 ** scale;
    const exact = values.every((v) => {
      const n = Math.round(v * factor);
      return Math.abs(n) <= MAX_SCALED && !Object.is(v, -0) && n / factor === v;
    });
    if (exact) return scale;
  }
  return null;
}

function writeValues(w: ByteWriter, results: readonly StoredResult[]): void {
  writeRuns(
    w,
    results.map((r) => (r.value === null ? 0 : 1)),
  );
  const values = results.flatMap((r) => (r.value === null ? [] : [r.value]));
  if (values.length === 0) return;
  const scale = decimalScale(values);
  if (scale === null) {
    w.varint(FLOAT_BITS);
    let previous = 0n;
    for (const v of values) previous = w.xorFloat(v, previous);
    return;
  }
  w.varint(scale);
  let previous = 0;
  for (const v of values) {
    const n = Math.round(v * 10 ** scale);
    w.signed(n - previous);
    previous = n;
  }
}

function readValues(r: ByteReader, count: number): (number | null)[] {
  const present = readRuns(r, count);
  const n = present.filter((p) => p === 1).length;
  const values: number[] = [];
  if (n > 0) {
    const scale = r.varint();
    if (scale === FLOAT_BITS) {
      let previous = 0n;
      for (let i = 0; i < n; i++) {
        const [v, bits] = r.xorFloat(previous);
        values.push(v);
        previous = bits;
      }
    } else {
      let previous = 0;
      for (let i = 0; i < n; i++) {
        previous += r.signed();
        values.push(previous / 10 ** scale);
      }
    }
  }
  let next = 0;
  return present.map((p) => (p === 1 ? values[next++]! : null));
}

function writeMessages(w: ByteWriter, results: readonly StoredResult[]): void {
  const dictionary = new Map<string, number>();
  const codes = results.map((r) => {
    if (r.message === null) return 0;
    let code = dictionary.get(r.message);
    if (code === undefined) dictionary.set(r.message, (code = dictionary.size + 1));
    return code;
  });
  w.varint(dictionary.size);
  for (const text of dictionary.keys()) w.text(text);
  writeRuns(w, codes);
}

function readMessages(r: ByteReader, count: number): (string | null)[] {
  const dictionary: string[] = [];
  for (let n = r.varint(); n > 0; n--) dictionary.push(r.text());
  return readRuns(r, count).map((code) => (code === 0 ? null : dictionary[code - 1]!));
}

// A simulated fleet's history: each agent runs two checks of every kind the
// agent has (process, cpu, memory, disk, load, tcp, http) every 30 s, values
// and messages made by the agent's own verdict functions, so the bytes stored
// are the bytes a real fleet would store. Mostly OK; one series in seven
// flaps (runs of WARNING/CRITICAL a few times a day). Seeded: the same
// arguments give the same results, so a test can write them and read them back.
import { cpuStatus } from '../../agent/probes/cpu.ts';
import { diskVerdict } from '../../agent/probes/disk.ts';
import { httpVerdict } from '../../agent/probes/http.ts';
import { loadVerdict } from '../../agent/probes/load.ts';
import { processStatus } from '../../agent/probes/process.ts';
import { tcpVerdict } from '../../agent/probes/tcp.ts';
import { aboveLimits, roundTo } from '../../agent/probes/verdict.ts';
import type { Status } from '../../server/domain/status.ts';

export const KINDS = ['process', 'cpu', 'memory', 'disk', 'load', 'tcp', 'http'] as const;
export type Kind = (typeof KINDS)[number];

export interface MixResult {
  /** Index of the series: agent * checksPerAgent + check. */
  series: number;
  kind: Kind;
  status: Status;
  value: number | null;
  message: string;
  observedAt: Date;
}

export interface MixOptions {
  agents: number;
  /** Checks of each kind per agent. */
  perKind: number;
  intervalMs: number;
  from: Date;
  to: Date;
  seed?: number;
  /** Only these kinds (default: all of KINDS). */
  kinds?: readonly Kind[];
}

/** mulberry32: small, fast, seeded. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SeriesState {
  kind: Kind;
  level: number;
  flaps: boolean;
  /** Results left in the current bad run (flapping series only). */
  badLeft: number;
}

const GB = 1024 ** 3;

type Outcome = { status: Status; value: number | null; message: string };
type Maker = (s: SeriesState, rnd: () => number, bad: boolean) => Outcome;

const walk = (s: SeriesState, rnd: () => number, step: number, lo: number, hi: number): number =>
  (s.level = Math.min(hi, Math.max(lo, s.level + (rnd() - 0.5) * step)));

/** Per kind: the value the probe would measure and the verdict the agent would write. */
const MAKERS: Record<Kind, Maker> = {
  process: (s, _rnd, bad) => {
    const count = bad ? 0 : Math.round(s.level);
    return { ...processStatus(count, { name: 'nginx', minCount: 1 }), value: count };
  },
  cpu: (s, rnd, bad) => {
    const v = roundTo(bad ? 92 + rnd() * 8 : walk(s, rnd, 6, 1, 70), 1);
    return { ...cpuStatus(v, { above: 90, warnAbove: 80 }), value: v };
  },
  memory: (s, rnd, bad) => {
    const used = roundTo(bad ? 91 + rnd() * 5 : walk(s, rnd, 0.4, 20, 80), 1);
    const text = `memory ${used.toFixed(1)}% used (${((16 * (100 - used)) / 100).toFixed(1)} GiB available of 16.0 GiB)`;
    return { ...aboveLimits(used, { above: 95, warnAbove: 90 }, text, '%'), value: used };
  },
  disk: (s, rnd, bad) => {
    const used = roundTo(bad ? 96 : walk(s, rnd, 0.02, 10, 85), 1);
    const usage = { usedPercent: used, freeBytes: Math.round(((100 - used) / 100) * 500 * GB), totalBytes: 500 * GB };
    return { ...diskVerdict(usage, { path: '/', above: 95, warnAbove: 90 }), value: used };
  },
  load: (s, rnd, bad) => {
    const v = roundTo(bad ? 3 + rnd() : walk(s, rnd, 0.1, 0.05, 1.5), 2);
    return { ...loadVerdict(v, { averages: [v, v, v], cpus: 4 }, { above: 2, warnAbove: 1.5 }), value: v };
  },
  tcp: (_s, rnd, bad) => {
    const ms = roundTo(bad ? 900 + rnd() * 100 : 0.3 + rnd() * 1.5, 1);
    return { ...tcpVerdict(ms, { host: 'db.internal', port: 5432, warnAboveMs: 500, critAboveMs: 800 }), value: ms };
  },
  http: (_s, rnd, bad) => {
    const ms = roundTo(bad ? 2500 + rnd() * 500 : 20 + rnd() * 30, 1);
    const seen = { statusCode: bad ? 503 : 200, ms, bodyFound: null, certDaysLeft: 61.5 };
    return { ...httpVerdict(seen, { url: 'https://shop.internal/healthz', critAboveMs: 2000 }), value: ms };
  },
};

/** Where each kind's value starts its walk. */
const START: Record<Kind, (rnd: () => number) => number> = {
  process: (rnd) => 1 + Math.floor(rnd() * 4),
  cpu: (rnd) => 1 + rnd() * 40,
  memory: (rnd) => 20 + rnd() * 40,
  disk: (rnd) => 30 + rnd() * 40,
  load: (rnd) => 0.05 + rnd(),
  tcp: () => 0,
  http: () => 0,
};

function initialSeries(options: MixOptions, rnd: () => number): SeriesState[] {
  const kinds = options.kinds ?? KINDS;
  const perAgent = kinds.length * options.perKind;
  const series: SeriesState[] = [];
  for (let i = 0; i < options.agents * perAgent; i++) {
    const kind = kinds[Math.floor((i % perAgent) / options.perKind)]!;
    const level = START[kind](rnd);
    series.push({ kind, level, flaps: i % 7 === 3, badLeft: 0 });
  }
  return series;
}

/** Every result of the window, in time order (one tick of every series after another). */
export function* weekMix(options: MixOptions): Generator<MixResult> {
  const rnd = random(options.seed ?? 1);
  const series = initialSeries(options, rnd);
  for (let t = options.from.getTime(); t < options.to.getTime(); t += options.intervalMs) {
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      // A flapping series starts a bad run about six times a day (at a 30 s interval), 1-10 results long.
      if (s.flaps && s.badLeft === 0 && rnd() < 1 / 480) s.badLeft = 1 + Math.floor(rnd() * 10);
      const bad = s.badLeft > 0 && rnd() < 0.8; // flapping: a bad run has OK results within it
      if (s.badLeft > 0) s.badLeft--;
      // Agents start each check's cycle at their own offset, with a few ms of scheduling jitter.
      const observedAt = new Date(t + ((i * 997) % options.intervalMs) + Math.floor(rnd() * 20));
      yield { series: i, kind: s.kind, ...MAKERS[s.kind](s, rnd, bad), observedAt };
    }
  }
}

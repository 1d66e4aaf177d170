// Flap detection, Nagios-style: the share of state changes among the last 21
// results. Entering needs a high share, leaving a low one (hysteresis), so a
// check does not flap about being flapping.

/** 21 results give 20 changes between them. */
export const FLAP_WINDOW = 20;
export const FLAP_START = 0.5;
export const FLAP_STOP = 0.25;
const MASK = (1 << FLAP_WINDOW) - 1;

export interface FlapState {
  /** The raw status of the last result (before sustained windows). */
  lastRaw: string | null;
  /** One bit per recent result, 1 where its raw status differed from the one before. */
  changeBits: number;
  flapping: boolean;
}

export type FlapEvent = 'started' | 'stopped' | null;

export const notFlapping: FlapState = { lastRaw: null, changeBits: 0, flapping: false };

export function trackFlapping(previous: FlapState, raw: string): { state: FlapState; event: FlapEvent } {
  const changed = previous.lastRaw !== null && previous.lastRaw !== raw ? 1 : 0;
  const changeBits = ((previous.changeBits << 1) | changed) & MASK;
  const share = popcount(changeBits) / FLAP_WINDOW;
  const flapping = previous.flapping ? share >= FLAP_STOP : share >= FLAP_START;
  const event: FlapEvent = flapping === previous.flapping ? null : flapping ? 'started' : 'stopped';
  return { state: { lastRaw: raw, changeBits, flapping }, event };
}

function popcount(bits: number): number {
  let count = 0;
  for (let b = bits; b !== 0; b &= b - 1) count++;
  return count;
}

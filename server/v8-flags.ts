// The V8 settings the server runs with, for its resident memory (ADR 9,
// bench/README.md "Embedded" and "Scale"). `vilicus server` and `vilicus up`
// re-execute themselves with them (cli/v8-flags.ts); a flag of the same name
// on node's command line or in NODE_OPTIONS wins.
//
// On PostgreSQL (measured at 1,000 agents × 20 checks; ADR 9 has the figures):
//   --max-semi-space-size=16  V8 sizes the young generation from the machine's
//                             memory: on a 24 GiB host it grew to 128 MiB
//                             (2 × 64) under load and stayed. 16 MiB
//                             semi-spaces cost no CPU per result measured.
//   --heap-growing-percent=50 the old generation may grow to 1.5 × what
//                             survived the last full collection, instead of up
//                             to 4 × on a large machine: the reads of every
//                             state (/metrics, the overview) are garbage at
//                             once, and a 4 × limit kept ~150 MiB of it.
//                             A factor, not a ceiling: a larger fleet still
//                             gets the heap it needs.
//
// On the embedded database, instead of those:
//   --wasm-tiering-budget=100000000
//                             V8 compiles a WebAssembly function with its
//                             baseline compiler (Liftoff) and re-compiles it
//                             with TurboFan once it has run a budget of work
//                             (13,000,000 by default): a larger budget gives
//                             TurboFan only PGlite's hottest functions. With
//                             Node's budget, TurboFan's copies held idle
//                             ~70 MiB more for good; in Liftoff only
//                             (`--liftoff-only`, before), ingest on PGlite
//                             ran at ~0.65 × the code that filed issue 19.
//   --max-semi-space-size=2   young-generation semi-spaces of 2 MiB: the
//                             young generation held ~100 MiB more while
//                             results arrived.
export function serverV8Flags(embedded: boolean): readonly string[] {
  return embedded ? EMBEDDED : POSTGRES;
}

const POSTGRES = ['--max-semi-space-size=16', '--heap-growing-percent=50'] as const;
const EMBEDDED = ['--max-semi-space-size=2', '--wasm-tiering-budget=100000000'] as const;

/**
 * Environment of the re-executed server. glibc's malloc keeps an arena for
 * each thread that allocated (V8's compiler and GC threads, libuv's pool) and
 * gives little of it back: one arena held the embedded server ~8 MiB lower
 * idle and under load, and the server on PostgreSQL at 1,000 agents × 20
 * checks at 254 MiB peak instead of 296, at no CPU cost measured (ADR 9).
 * Embedded, also a fixed mmap threshold of 64 KiB: glibc otherwise raises its
 * threshold after each large free, so the large buffers of TurboFan's
 * compiles land in the main heap and stay there once freed (idle on a fresh
 * folder 200.7 → 178.9 MiB with the tiering budget, ADR 9).
 */
export function serverEnvironment(embedded: boolean): Readonly<Record<string, string>> {
  return { MALLOC_ARENA_MAX: '1', ...(embedded ? { MALLOC_MMAP_THRESHOLD_: '65536' } : {}) };
}

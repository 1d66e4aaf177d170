// The V8 settings the server runs with on the embedded database, for its
// resident memory (ADR 9, bench/README.md "Embedded"). `vilicus server` and
// `vilicus up` re-execute themselves with them (cli/v8-flags.ts). On
// PostgreSQL the server runs with Node's defaults: the ingest path there is
// the one the benchmarks hold to their goals, and a small young generation
// costs it throughput.
//
//   --liftoff-only            PGlite's 9 MiB of WebAssembly stays in V8's
//                             baseline compiler: TurboFan's optimised copies
//                             of its hot functions cost ~70 MiB of RSS for
//                             good (idle 284 → 198 MiB with the flag below).
//   --max-semi-space-size=2   young-generation semi-spaces of 2 MiB instead of
//                             Node's default, which let the young generation
//                             hold ~100 MiB more while results arrive.
//
// Cost, measured side by side: ingest on PGlite in batches of 10 from 20
// agents falls from ~9,000 to ~6,000 results/s on this 2-core machine; the
// embedded mode's load (20 agents × 10 checks every 10 s) is 20 results/s.
export function serverV8Flags(embedded: boolean): readonly string[] {
  return embedded ? ['--max-semi-space-size=2', '--liftoff-only'] : [];
}

// The V8 settings the server runs with, for its resident memory
// (bench/README.md, "Embedded"; ADR 6). `vilicus server` and `vilicus up`
// re-execute themselves with them (cli/v8-flags.ts).
//
//   --max-semi-space-size=2   young-generation semi-spaces of 2 MiB instead of
//                             Node's 16: the server's requests allocate small,
//                             short-lived objects, and a scavenge of 2 MiB is
//                             cheap; the default let the young generation hold
//                             ~40 MiB of garbage between scavenges.
//   --liftoff-only            (embedded mode only) PGlite's 9 MiB of WebAssembly
//                             stays in V8's baseline compiler: TurboFan's
//                             optimised copy of the hot functions cost ~60 MiB
//                             more and, on 2 cores, competed with the server
//                             for CPU while it compiled.
export function serverV8Flags(embedded: boolean): readonly string[] {
  return embedded ? ['--max-semi-space-size=2', '--liftoff-only'] : ['--max-semi-space-size=2'];
}

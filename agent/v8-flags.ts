// The V8 settings the agent runs with, for its resident memory: ~10 MiB less
// of ~64 (bench/README.md, "Agent cost": ~500 processes, 14 checks).
//
//   --max-opt=1               Ignition and Sparkplug only: no Maglev or TurboFan.
//                             Their code in the node binary (~5 MiB) is never
//                             paged in, and their compilations allocate nothing.
//                             The agent's cycle is mostly system calls (reading
//                             /proc), so optimised JavaScript hardly pays: ~1 ms
//                             more CPU per cycle of ~14.
//   --max-semi-space-size=1   a young generation of 1 MiB semi-spaces: with
//                             Node's default it grew to 8 MiB in the agent.
//   --expose-gc               the agent collects its heap itself after a cycle
//                             once it grew 2 MiB (heap.ts): V8 would let it
//                             grow 8 MiB past the live ~5.5 MiB first.
//   LINEAR_REGEXP_FLAGS       process patterns in bounded time (ADR 6): given
//                             here, the contract need not load node:v8 to set them.
//
// `vilicus agent` re-executes itself with them (cli/v8-flags.ts).
import { LINEAR_REGEXP_FLAGS } from '../contract/process-pattern.ts';

export const AGENT_V8_FLAGS: readonly string[] = [
  '--max-opt=1',
  '--max-semi-space-size=1',
  '--expose-gc',
  ...LINEAR_REGEXP_FLAGS,
];

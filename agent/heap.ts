// The agent's heap between cycles. After a full collection V8 lets the old
// generation grow by at least 8 MiB before the next (its smallest growing
// step outside a low-memory mode, which Node gives no flag for), while the
// agent's live heap is ~5.5 MiB at 500 processes and each cycle leaves its
// process table behind in the old generation (it outlives the scavenges of
// the cycle's own yields). So its resident memory crept up 6 MiB in the minutes
// after start (agent/README.md, "Resident memory"). With --expose-gc
// (v8-flags.ts) it collects itself instead, after a cycle, once the heap grew
// GROWTH_BYTES past what the last collection left.

/** How much the heap may grow past the last collection's live size before the agent collects. */
export const GROWTH_BYTES = 2 * 1024 * 1024;

export interface HeapKeeper {
  /** After a cycle: a full collection when the heap grew GROWTH_BYTES since the last; true when it ran one. */
  afterCycle(): boolean;
}

/** `gc`: V8's, when node runs with --expose-gc (absent where the agent could not re-execute itself with its flags). */
export function createHeapKeeper(
  gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc,
  heapUsed: () => number = () => process.memoryUsage().heapUsed,
): HeapKeeper {
  let after = heapUsed();
  return {
    afterCycle(): boolean {
      if (gc === undefined || heapUsed() - after < GROWTH_BYTES) return false;
      gc();
      after = heapUsed();
      return true;
    },
  };
}

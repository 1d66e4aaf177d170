// The one interface every probe kind implements, and the per-cycle state
// probes share. Adding a kind means a file here implementing Probe and an
// entry in index.ts's registry; nothing else branches on the kind.
import type { AgentCheck, Status } from '../../contract/index.ts';
import { defaultProcessSource, type ProcessEntry, type ProcessSource } from './proc-table.ts';

/** The check type for one kind. The contract exports ProcessCheck/CpuCheck as schemas only, so derive the types. */
export type CheckOfKind<K extends AgentCheck['kind']> = Extract<AgentCheck, { kind: K }>;
export type ProcessCheck = CheckOfKind<'process'>;
export type CpuCheck = CheckOfKind<'cpu'>;

export interface ProbeOutcome {
  status: Status;
  value: number | null;
  message: string;
}

export interface Probe<C extends AgentCheck = AgentCheck> {
  readonly kind: C['kind'];
  run(check: C, cycle: Cycle): Promise<ProbeOutcome>;
}

export interface ProcessNeeds {
  /** The check reads command lines, not only comm (one more file per process on Linux). */
  readonly argv: boolean;
}

/** Created once per agent cycle; every process check in the cycle sees the same snapshot. */
export interface Cycle {
  processes(needs: ProcessNeeds): Promise<readonly ProcessEntry[]>;
}

/**
 * Scans lazily: a cycle with no process check reads nothing. A scan with argv
 * serves every later request; a scan without argv is topped up with argv
 * (one cmdline read per process) rather than redone, whatever order the
 * checks run in. A failed scan stays failed for this cycle: every process
 * check reports the same error, and the next cycle tries afresh.
 */
export function createCycle(source: ProcessSource = defaultProcessSource()): Cycle {
  let withoutArgv: Promise<ProcessEntry[]> | undefined;
  let withArgv: Promise<ProcessEntry[]> | undefined;
  return {
    processes(needs: ProcessNeeds): Promise<readonly ProcessEntry[]> {
      if (!needs.argv) return withArgv ?? (withoutArgv ??= source.scan({ argv: false }));
      withArgv ??= withoutArgv ? withoutArgv.then((entries) => source.withArgv(entries)) : source.scan({ argv: true });
      return withArgv;
    },
  };
}

// Fresh check and process-table fixtures for the probe tests.
import { randomUUID } from 'node:crypto';
import type { AgentCheck, CpuProbe, ProcessProbe } from '../../../../contract/index.ts';
import type { CheckOfKind, CpuCheck, ProcessCheck } from '../../../../agent/probes/probe.ts';
import type { ProcessEntry } from '../../../../agent/probes/proc-table.ts';

export function processCheck(spec: ProcessProbe): ProcessCheck {
  return { id: randomUUID(), name: 'p', namespace: 'default', intervalSeconds: 30, kind: 'process', process: spec };
}

export function cpuCheck(spec: CpuProbe, id: string = randomUUID()): CpuCheck {
  return { id, name: 'c', namespace: 'default', intervalSeconds: 30, kind: 'cpu', cpu: spec };
}

/** A live process; argv defaults to [comm]. */
export function proc(pid: number, comm: string, argv: readonly string[] | null = [comm], zombie = false): ProcessEntry {
  return { pid, comm, argv, zombie };
}

/** A check of any kind, as the agent receives it (defaults filled by the server are the test's to give). */
export function checkOf<K extends AgentCheck['kind']>(
  kind: K,
  spec: CheckOfKind<K>[K & keyof CheckOfKind<K>],
  intervalSeconds = 30,
): CheckOfKind<K> {
  const check = { id: randomUUID(), name: kind, namespace: 'default', intervalSeconds, kind, [kind]: spec };
  return check as unknown as CheckOfKind<K>;
}

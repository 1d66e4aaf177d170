// The probe registry: one entry per check kind, and the single place that
// dispatches a check to its probe.
import type { AgentCheck } from '../../contract/index.ts';
import { createCpuProbe, defaultCpuTimesReader } from './cpu.ts';
import { createDiskProbe, hostPath } from './disk.ts';
import { createHttpProbe } from './http.ts';
import { createLoadProbe } from './load.ts';
import { createMemoryProbe } from './memory.ts';
import type { CheckOfKind, Cycle, Probe, ProbeOutcome } from './probe.ts';
import { createProcessProbe } from './process.ts';
import { createTcpProbe } from './tcp.ts';

export { createCycle } from './probe.ts';
export type { CpuCheck, Cycle, Probe, ProbeOutcome, ProcessCheck } from './probe.ts';

/** Keyed by kind, so a new kind in the contract fails to compile until it has a probe here. */
export type ProbeRegistry = { readonly [K in AgentCheck['kind']]: Probe<CheckOfKind<K>> };

export interface ProbeOptions {
  /** Where the host's root filesystem is mounted in the agent's view (disk paths and /proc/stat are read under it). */
  hostRoot?: string;
  /** Aborts when the agent stops (see ProcessProbeOptions.signal). */
  signal?: AbortSignal;
}

/** Once per agent: the cpu probe's baseline and the regex cache live as long as the agent. */
export function createProbes(options: ProbeOptions = {}): ProbeRegistry {
  return {
    process: createProcessProbe({ signal: options.signal }),
    cpu: createCpuProbe(defaultCpuTimesReader(hostPath(options.hostRoot ?? '/', '/proc/stat'))),
    memory: createMemoryProbe(),
    disk: createDiskProbe({ hostRoot: options.hostRoot ?? '/' }),
    load: createLoadProbe(),
    tcp: createTcpProbe(),
    http: createHttpProbe(),
  };
}

/** Results travel in ResultIn, whose message holds at most 1024 characters. */
const MESSAGE_MAX = 1024;

function unknown(message: string): ProbeOutcome {
  return { status: 'UNKNOWN', value: null, message };
}

function probeFor(check: AgentCheck, probes: ProbeRegistry): Probe | undefined {
  // hasOwn: a kind from a newer server (or "constructor") must not find Object's members.
  if (!Object.hasOwn(probes, check.kind)) return undefined;
  return probes[check.kind];
}

/** Never throws: a failing probe becomes an UNKNOWN result rather than a dead agent. */
export async function runProbe(check: AgentCheck, cycle: Cycle, probes: ProbeRegistry): Promise<ProbeOutcome> {
  const probe = probeFor(check, probes);
  if (probe === undefined) return unknown(`this agent cannot run "${String(check.kind)}" checks; upgrade it`);
  let outcome: ProbeOutcome;
  try {
    outcome = await probe.run(check, cycle);
  } catch (err) {
    outcome = unknown(`${check.kind} probe failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { ...outcome, message: outcome.message.slice(0, MESSAGE_MAX) };
}

// Every probe kind. Adding one: a file here (schema and rules), its line in
// each list below, the agent's probe in agent/probes/, and its docs.
import Type from 'typebox';
import { cpuProbe, CpuCheck, CpuProbe } from './cpu.ts';
import { diskProbe, DiskCheck, DiskProbe } from './disk.ts';
import { httpProbe, HttpCheck, HttpProbe } from './http.ts';
import { loadProbe, LoadCheck, LoadProbe } from './load.ts';
import { memoryProbe, MemoryCheck, MemoryProbe } from './memory.ts';
import { processProbe, ProcessCheck, ProcessProbe } from './process.ts';
import { tcpProbe, TcpCheck, TcpProbe } from './tcp.ts';

export { CpuCheck, CpuProbe } from './cpu.ts';
export { DiskCheck, DiskProbe } from './disk.ts';
export { HttpCheck, HttpProbe } from './http.ts';
export { LoadCheck, LoadProbe } from './load.ts';
export { MemoryCheck, MemoryProbe } from './memory.ts';
export { ProcessCheck, ProcessProbe } from './process.ts';
export { TcpCheck, TcpProbe } from './tcp.ts';
export type { ProbeDefinition, SpecProblem } from './definition.ts';

export const probes = {
  process: processProbe,
  cpu: cpuProbe,
  memory: memoryProbe,
  disk: diskProbe,
  load: loadProbe,
  tcp: tcpProbe,
  http: httpProbe,
} as const;

/** The probe properties of a Check's spec: exactly one of them is set. */
export const ProbeProperties = {
  process: Type.Optional(ProcessProbe),
  cpu: Type.Optional(CpuProbe),
  memory: Type.Optional(MemoryProbe),
  disk: Type.Optional(DiskProbe),
  load: Type.Optional(LoadProbe),
  tcp: Type.Optional(TcpProbe),
  http: Type.Optional(HttpProbe),
};

/** A check as the agent receives it. */
export const AgentCheck = Type.Union([ProcessCheck, CpuCheck, MemoryCheck, DiskCheck, LoadCheck, TcpCheck, HttpCheck]);

export type AgentCheck = Type.Static<typeof AgentCheck>;
export type ProbeKind = keyof typeof probes;
export const probeKinds = Object.keys(probes) as ProbeKind[];

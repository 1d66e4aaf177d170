// Every probe kind. Adding one: a file here (schema and rules), its line in
// each list below, the agent's probe in agent/probes/, and its docs.
import Type from 'typebox';
import { cpuProbe, CpuCheck, CpuProbe } from './cpu.ts';
import { processProbe, ProcessCheck, ProcessProbe } from './process.ts';

export { CpuCheck, CpuProbe } from './cpu.ts';
export { ProcessCheck, ProcessProbe } from './process.ts';
export type { ProbeDefinition, SpecProblem } from './definition.ts';

export const probes = { process: processProbe, cpu: cpuProbe } as const;

/** The probe properties of a Check's spec: exactly one of them is set. */
export const ProbeProperties = { process: Type.Optional(ProcessProbe), cpu: Type.Optional(CpuProbe) };

/** A check as the agent receives it. */
export const AgentCheck = Type.Union([ProcessCheck, CpuCheck]);

export type AgentCheck = Type.Static<typeof AgentCheck>;
export type ProbeKind = keyof typeof probes;
export const probeKinds = Object.keys(probes) as ProbeKind[];

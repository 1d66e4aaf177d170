// Breaks contract-imports-no-program: the contract imports the agent.
import type { probe } from '../agent/probe.ts';

export const checkName = 'disk';
export type Probe = typeof probe;

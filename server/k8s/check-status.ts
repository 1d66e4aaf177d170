// What a Check resource's status says, from the states in the database. Pure.
import type { SpecProblem } from '../../contract/index.ts';
import type { StateRow } from '../db/checks.repository.ts';
import { stateSummary } from '../domain/status.ts';

export interface Condition {
  type: 'Valid' | 'Healthy';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration: number;
}

export type Health = 'Pending' | 'OK' | 'Failing' | 'Invalid';

export interface CheckStatus {
  observedGeneration: number;
  probe: string;
  health: Health;
  summary: { ok: number; warning: number; critical: number; unknown: number; pending: number; failing: number };
  failing: { node: string; status: string; since: string; message: string }[];
  /** Problems waiting for their `for:` window: shown, not counted as failing. */
  pending: { node: string; status: string; since: string; countsAt: string; message: string }[];
  conditions: Condition[];
  /** The release that owns and writes it (`<namespace>/<lease>`, server/k8s/ownership.ts). */
  owner?: string;
}

/** At most this many failing (and pending) nodes are listed (the counts are in summary). */
export const MAX_FAILING = 20;

export interface StatusInput {
  generation: number;
  probe: string;
  problems: readonly SpecProblem[];
  /** Set when the check is valid but could not be taken in (e.g. a REST check holds the name). */
  refused?: { reason: string; message: string };
  states: readonly StateRow[];
  /** Who could run it, told when no agent has reported: the spec's matchLabels and the agents they match. */
  audience?: { matchLabels: Readonly<Record<string, string>>; matching: number; registered: number };
  previous: Partial<CheckStatus> | undefined;
  now: Date;
  owner?: string;
}

/** A node fails when what it shows counts as a problem; PENDING (no state yet) and OK do not. */
const isFailing = (s: StateRow): boolean => s.status !== 'OK' && s.status !== 'PENDING';

export function checkStatus(input: StatusInput): CheckStatus {
  const { states, generation } = input;
  const summary = { ...stateSummary(states), failing: states.filter(isFailing).length };
  const invalid = input.problems.length > 0 || input.refused !== undefined;
  const counted = states.some((s) => s.status !== 'PENDING');
  const health: Health = invalid ? 'Invalid' : !counted ? 'Pending' : summary.failing > 0 ? 'Failing' : 'OK';
  const failing = states
    .filter(isFailing)
    .slice(0, MAX_FAILING)
    .map((s) => ({ node: s.agent, status: s.status, since: s.since, message: s.message ?? '' }));
  const pending = states.flatMap((s) => (s.pending ? [{ node: s.agent, ...s.pending }] : [])).slice(0, MAX_FAILING);
  // The states' times are already the API's text (ChecksRepository.states).
  const listed = pending.map((p) => ({ ...p, message: p.message ?? '' }));
  const valid = validCondition(input);
  const healthy = healthyCondition(health, { summary, failing, pending: listed }, generation, input.audience);
  const conditions = [valid, healthy].map((c) => keepTransitionTime(c, input.previous?.conditions, input.now));
  const owner = input.owner ? { owner: input.owner } : {};
  const { probe } = input;
  return { observedGeneration: generation, probe, health, summary, failing, pending: listed, conditions, ...owner };
}

type Draft = Omit<Condition, 'lastTransitionTime'>;

function validCondition(input: StatusInput): Draft {
  const problem = input.problems[0];
  if (problem) {
    const message = input.problems.map((p) => `${p.field}: ${p.message}`).join('; ');
    return { type: 'Valid', status: 'False', reason: 'InvalidSpec', message, observedGeneration: input.generation };
  }
  if (input.refused) return { type: 'Valid', status: 'False', ...input.refused, observedGeneration: input.generation };
  return {
    type: 'Valid',
    status: 'True',
    reason: 'SpecValid',
    message: 'agents run this check',
    observedGeneration: input.generation,
  };
}

function healthyCondition(
  health: Health,
  { summary, failing, pending }: Pick<CheckStatus, 'summary' | 'failing' | 'pending'>,
  generation: number,
  audience: StatusInput['audience'],
): Draft {
  const base = { type: 'Healthy' as const, observedGeneration: generation };
  // The pending problems are said after the verdict, which they do not change.
  const waiting = pending.map((p) => `${p.node} (${p.status} counts at ${p.countsAt})`).join(', ');
  const also = summary.pending > 0 ? `; ${summary.pending} pending: ${waiting}` : '';
  if (health === 'OK') return { ...base, status: 'True', reason: 'AllOK', message: `every agent reports OK${also}` };
  if (health === 'Failing') {
    const nodes = failing.map((f) => `${f.node} (${f.status})`).join(', ');
    return { ...base, status: 'False', reason: 'Failing', message: `${summary.failing} failing: ${nodes}${also}` };
  }
  if (health === 'Invalid') return { ...base, status: 'Unknown', reason: 'Invalid', message: 'the check is not valid' };
  if (summary.pending > 0)
    return { ...base, status: 'Unknown', reason: 'Pending', message: `${summary.pending} pending: ${waiting}` };
  if (audience && audience.matching === 0)
    return { ...base, status: 'Unknown', reason: 'NoMatchingAgent', message: noAgentMessage(audience) };
  return { ...base, status: 'Unknown', reason: 'NoResults', message: 'no agent has reported yet' };
}

/** Why nobody runs a check: it would wait for ever for a result, so say so. */
export function noAgentMessage(audience: NonNullable<StatusInput['audience']>): string {
  const selector = Object.entries(audience.matchLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const registered = `${audience.registered} agent${audience.registered === 1 ? '' : 's'} registered`;
  if (selector === '') return 'no agent is registered to run it';
  return `no agent matches nodeSelector ${selector}; ${registered}`;
}

/** lastTransitionTime moves only when the condition's status does (the Kubernetes convention). */
function keepTransitionTime(c: Draft, previous: readonly Condition[] | undefined, now: Date): Condition {
  const old = previous?.find((p) => p.type === c.type);
  return { ...c, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : now.toISOString() };
}

/** The Event a change of health is worth: one per change, never one per result. */
export function healthEvent(
  before: Health | undefined,
  after: Health,
): { type: 'Warning' | 'Normal'; reason: string } | null {
  if (after === 'Failing' && before !== 'Failing') return { type: 'Warning', reason: 'CheckFailing' };
  if (after === 'OK' && before === 'Failing') return { type: 'Normal', reason: 'CheckRecovered' };
  if (after === 'Invalid' && before !== 'Invalid') return { type: 'Warning', reason: 'InvalidCheck' };
  return null;
}

/** Two statuses that differ only in lastTransitionTime ordering or key order are the same. */
export function sameStatus(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

// What vilicus tells an Alertmanager (API v2, POST /api/v2/alerts): one alert
// per open problem, identified by its labels. Pure: data in, JSON out.
import type { ClaimedNotification } from '../../db/outbox.repository.ts';
import { isProblem, type Status } from '../../domain/status.ts';

export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

/** An open or just-ended problem, from an outbox row or from the current state. */
export interface AlertSubject {
  missingAgent: boolean;
  check: string | null;
  namespace: string | null;
  checkKind: string | null;
  checkLabels: Record<string, string>;
  agent: string | null;
  /** The status the alert is about (for a recovery: the one that ended). */
  status: string;
  startsAt: Date;
  /** Set when the problem is over; open problems last until `now + ttl` unless posted again. */
  endedAt: Date | null;
  value: number | null;
  message: string | null;
}

/** Ours win over a check label of the same (sanitised) name. */
const OWN = ['alertname', 'namespace', 'check', 'agent', 'kind', 'severity'];

export const severityOf = (status: string): 'critical' | 'warning' => (status === 'CRITICAL' ? 'critical' : 'warning');

/** A Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*; `app.kubernetes.io/name` becomes `app_kubernetes_io_name`. */
export function labelName(key: string): string {
  const name = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

export function toPostable(s: AlertSubject, publicUrl: string, now: Date, ttlMs: number): PostableAlert {
  const what = s.missingAgent ? `agent ${s.agent ?? '?'} is missing` : `${s.check} is ${s.status} on ${s.agent}`;
  return {
    labels: labelsOf(s),
    annotations: { summary: s.message ?? what, description: describe(s, what), dashboard: `${publicUrl}/` },
    startsAt: s.startsAt.toISOString(),
    endsAt: (s.endedAt ?? new Date(now.getTime() + ttlMs)).toISOString(),
    generatorURL:
      s.check === null
        ? `${publicUrl}/api/v1/agents`
        : `${publicUrl}/api/v1/checks/${encodeURIComponent(s.check)}?namespace=${encodeURIComponent(s.namespace ?? 'default')}`,
  };
}

function labelsOf(s: AlertSubject): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.checkLabels)) if (!OWN.includes(labelName(k))) labels[labelName(k)] = v;
  const own: Record<string, string | null> = {
    alertname: s.missingAgent ? 'VilicusAgentMissing' : 'VilicusCheckFailing',
    namespace: s.namespace,
    check: s.check,
    agent: s.agent,
    kind: s.checkKind,
    severity: s.missingAgent ? 'critical' : severityOf(s.status),
  };
  for (const [k, v] of Object.entries(own)) if (v) labels[k] = v;
  return labels;
}

function describe(s: AlertSubject, what: string): string {
  return [
    what,
    `since ${s.startsAt.toISOString()}`,
    ...(s.value !== null ? [`last value ${s.value}`] : []),
    ...(s.message ? [s.message] : []),
  ].join('; ');
}

/**
 * The alerts one outbox row posts: a problem fires (and, when its severity
 * changed, ends the alert of the old one: severity is a label); a recovery
 * ends the alert of the status that was open.
 */
export function subjectsOf(n: ClaimedNotification): AlertSubject[] {
  const base = {
    check: n.check,
    namespace: n.namespace,
    checkKind: n.checkKind,
    checkLabels: n.checkLabels,
    agent: n.agent,
    startsAt: n.at,
    value: n.value,
    message: n.message,
  };
  if (n.kind === 'agent-missing' || n.kind === 'agent-back') {
    return [{ ...base, missingAgent: true, status: 'CRITICAL', endedAt: n.kind === 'agent-back' ? n.at : null }];
  }
  const status = n.status as Status;
  const previous = n.previous as Status | null;
  const wasOpen = previous !== null && isProblem(previous);
  if (isProblem(status) && n.kind !== 'resolved') {
    const firing: AlertSubject = { ...base, missingAgent: false, status, endedAt: null };
    const changed = wasOpen && severityOf(previous) !== severityOf(status);
    return changed ? [firing, { ...firing, status: previous, endedAt: n.at }] : [firing];
  }
  // Which severity was open is not always known (a flap that settled): ending one that never fired is harmless.
  const ended: Status[] = wasOpen ? [previous] : ['CRITICAL', 'WARNING'];
  return ended.map((s) => ({ ...base, missingAgent: false, status: s, endedAt: n.at }));
}

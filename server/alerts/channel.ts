// What every alert channel (mail, Alertmanager, a named webhook) gives the
// notifier: how to group claimed rows and how to deliver one group. A failed
// delivery says whether trying again can help.
import type { ClaimedNotification } from '../db/outbox.repository.ts';

export interface Channel {
  /** The outbox's channel column: `email`, `alertmanager:<url>`, `webhook:<name>`. */
  name: string;
  /** For metrics and logs: `email`, `alertmanager`, `webhook`. */
  type: 'email' | 'alertmanager' | 'webhook';
  /** The receiver within the type (the webhook's name, the Alertmanager's URL; '' for mail). */
  receiver: string;
  /** One delivery per group (a mail, a POST). */
  groups(rows: readonly ClaimedNotification[]): ClaimedNotification[][];
  /** Delivers one group: resolves with 'sent' or a reason it was skipped; throws DeliveryError. */
  deliver(group: readonly ClaimedNotification[]): Promise<'sent' | { skipped: string }>;
  close?(): void;
}

/** A failed delivery; permanent ones (SMTP 5xx, HTTP 4xx but 408/429) are given up, not retried. */
export class DeliveryError extends Error {
  readonly permanent: boolean;
  readonly code: number | undefined;
  constructor(message: string, permanent: boolean, code?: number) {
    super(message);
    this.permanent = permanent;
    this.code = code;
  }
}

/** Rows that were due together (same attempt, same due time) travel together again: a retry regroups alike. */
export function groupByAttempt(rows: readonly ClaimedNotification[]): ClaimedNotification[][] {
  const groups = new Map<string, ClaimedNotification[]>();
  for (const row of rows) {
    const key = row.attempts === 1 ? 'first' : `${row.attempts}@${row.dueAt.getTime()}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()];
}

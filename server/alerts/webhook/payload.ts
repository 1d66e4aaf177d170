// The webhook body, schema `vilicus.webhook/v1` (README "Webhooks"): the
// events of one group, and a `text` line that Slack- and Mattermost-style
// incoming webhooks show as is. Pure: rows in, JSON and headers out.
import { createHash, createHmac } from 'node:crypto';
import type { ClaimedNotification } from '../../db/outbox.repository.ts';
import { headline } from '../email/render.ts';

export const WEBHOOK_SCHEMA = 'vilicus.webhook/v1';

export interface WebhookEvent {
  /** Stable per event: the same on every retry and for every receiver. */
  id: string;
  event: ClaimedNotification['kind'];
  check: string | null;
  namespace: string | null;
  agent: string | null;
  status: string;
  previous: string | null;
  since: string;
  value: number | null;
  message: string | null;
  /** For `resolved`: how long the problem lasted, in ms. */
  outageMs: number | null;
  dashboard: string;
}

export interface WebhookBody {
  schema: typeof WEBHOOK_SCHEMA;
  receiver: string;
  text: string;
  events: WebhookEvent[];
}

export function webhookBody(receiver: string, group: readonly ClaimedNotification[], publicUrl: string): WebhookBody {
  const events = group.map((n) => ({
    id: n.eventId,
    event: n.kind,
    check: n.check,
    namespace: n.namespace,
    agent: n.agent,
    status: n.status,
    previous: n.previous,
    since: n.at.toISOString(),
    value: n.value,
    message: n.message,
    outageMs: n.outageMs,
    dashboard: `${publicUrl}/`,
  }));
  const lines = group.map((n) => `${headline(n)}${n.message ? `: ${n.message}` : ''}`);
  return { schema: WEBHOOK_SCHEMA, receiver, text: [...lines, `Dashboard: ${publicUrl}/`].join('\n'), events };
}

/** One key per post: its events and receiver (a retry posts the same events, so the same key). */
export function idempotencyKey(receiver: string, group: readonly ClaimedNotification[]): string {
  const ids = group.map((n) => n.eventId).sort((a, b) => Number(a) - Number(b));
  return createHash('sha256')
    .update(`${receiver}\n${ids.join(',')}`)
    .digest('hex')
    .slice(0, 32);
}

/** `sha256=` and the hex HMAC-SHA256 of the exact body bytes with the receiver's secret. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

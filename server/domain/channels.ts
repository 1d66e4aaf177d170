// Which receivers an outbox event goes to, besides mail. Pure: the plan is
// the server's settings, the row says what happened and which named webhooks
// its check asks for.
import type { NotificationKind } from './alerts.ts';

export interface ChannelPlan {
  /** Alertmanager base URLs (without credentials); each gets its own copy of every event. */
  alertmanagers: readonly string[];
  /** Webhook receiver names the server knows. */
  webhooks: ReadonlySet<string>;
  /** Webhooks every event goes to (VILICUS_NOTIFY_WEBHOOKS), like VILICUS_MAIL_TO for mail. */
  defaultWebhooks: readonly string[];
}

export const alertmanagerChannel = (url: string): string => `alertmanager:${url}`;
export const webhookChannel = (name: string): string => `webhook:${name}`;

/** An outbox channel column read back: its type and receiver (mail's receiver is ''), as metrics and logs name them. */
export function channelOf(channel: string): { type: string; receiver: string } {
  const colon = channel.indexOf(':');
  return colon < 0
    ? { type: channel, receiver: '' }
    : { type: channel.slice(0, colon), receiver: channel.slice(colon + 1) };
}

/**
 * The channels (besides `email`) an event is copied to. Alertmanager gets no
 * reminders: the periodic re-post keeps open alerts alive there. A webhook
 * name the server no longer knows is left out (the API refuses unknown names;
 * this covers a receiver removed from the settings since).
 */
export function channelsFor(row: { kind: NotificationKind; webhooks: readonly string[] }, plan: ChannelPlan): string[] {
  const alertmanagers = row.kind === 'reminder' ? [] : plan.alertmanagers.map(alertmanagerChannel);
  const names = [...new Set([...plan.defaultWebhooks, ...row.webhooks])].filter((n) => plan.webhooks.has(n)).sort();
  return [...alertmanagers, ...names.map(webhookChannel)];
}

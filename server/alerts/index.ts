// Alerting's background work: the router and each channel's notifier every
// second, the Alertmanager re-post every VILICUS_ALERTMANAGER_RESEND,
// reminders and silence ends every ten seconds. Stop() waits for rounds in flight.
import type { MikroORM } from '@mikro-orm/postgresql';
import type { ServerConfig } from '../config.ts';
import { sweepAlerts } from '../db/alert-sweeps.repository.ts';
import { dropUnconfigured, routeNew } from '../db/outbox-routing.repository.ts';
import { channelOf, channelsFor, type ChannelPlan } from '../domain/channels.ts';
import type { Logger } from '../log.ts';
import { alertmanagerChannelFor } from './alertmanager/channel.ts';
import { resendOpen } from './alertmanager/resend.ts';
import type { Channel } from './channel.ts';
import { emailChannel } from './email/channel.ts';
import { createMailer } from './email/mailer.ts';
import { safe } from './http.ts';
import { Notifier, type OutcomeHook } from './notifier.ts';
import { webhookChannelFor } from './webhook/channel.ts';

export interface Alerting {
  channels: readonly Channel[];
  stop(): Promise<void>;
}

export type AlertConfig = Pick<
  ServerConfig,
  | 'smtpUrl'
  | 'smtpCaFile'
  | 'mailFrom'
  | 'mailTo'
  | 'groupWaitMs'
  | 'repeatIntervalMs'
  | 'alertmanagerUrls'
  | 'alertmanagerAuth'
  | 'alertmanagerResendMs'
  | 'webhooks'
  | 'webhookSecrets'
  | 'notifyWebhooks'
>;

/** Open alerts last this many re-post rounds in Alertmanager (Prometheus uses 4 too). */
const TTL_ROUNDS = 4;

export function startAlerting(
  orm: MikroORM,
  config: AlertConfig,
  publicUrl: string,
  log: Logger,
  onOutcome?: OutcomeHook,
): Alerting {
  const mailer = config.smtpUrl ? createMailer(config.smtpUrl, config.mailFrom, config.smtpCaFile) : null;
  if (!mailer) log.warn('mail is off: VILICUS_SMTP_URL is not set (transitions are still recorded)');
  else if (config.mailTo.length === 0)
    log.warn('VILICUS_MAIL_TO is empty: only checks with spec.notify.email get mail');
  const targets = config.alertmanagerUrls.map((url) => {
    const target = { url, auth: config.alertmanagerAuth, ttlMs: TTL_ROUNDS * config.alertmanagerResendMs, publicUrl };
    return { target, channel: alertmanagerChannelFor(target) };
  });
  const channels: Channel[] = [
    emailChannel(mailer, config.mailTo, publicUrl),
    ...targets.map((t) => t.channel),
    ...Object.entries(config.webhooks).map(([name, url]) =>
      webhookChannelFor(name, url, config.webhookSecrets[name], publicUrl),
    ),
  ];
  const plan: ChannelPlan = {
    alertmanagers: config.alertmanagerUrls.map(safe),
    webhooks: new Set(Object.keys(config.webhooks)),
    defaultWebhooks: config.notifyWebhooks,
  };
  const loops = [
    every(1000, () => routeNew(orm.em.fork(), (row) => channelsFor(row, plan)), log, 'router'),
    ...channels.map((channel) => {
      const notifier = new Notifier({
        orm,
        channel,
        // Alertmanager groups by itself (its group_wait): waiting here too would only delay it.
        groupWaitMs: channel.type === 'alertmanager' ? 0 : config.groupWaitMs,
        log: log.child({ channel: channel.type, receiver: channel.receiver || undefined }),
        ...(onOutcome ? { onOutcome } : {}),
      });
      return every(1000, () => notifier.tick(), log, `notifier ${channel.name}`);
    }),
    every(10_000, () => sweepAlerts(orm.em.fork(), new Date(), config.repeatIntervalMs), log, 'alert-sweep'),
    every(10_000, () => dropRemovedReceivers(orm, channels, log, onOutcome), log, 'removed-receivers'),
  ];
  if (targets.length > 0) {
    const resend = async (): Promise<void> => {
      const { failed } = await resendOpen(orm, targets, new Date());
      for (const error of failed) log.warn({ err: error.message }, 'alertmanager re-post failed; next round retries');
    };
    loops.push(every(config.alertmanagerResendMs, resend, log, 'alertmanager-resend'));
  }
  return {
    channels,
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
      for (const channel of channels) channel.close?.();
    },
  };
}

/**
 * A receiver removed from the settings leaves rows no notifier claims: they
 * end here, counted and logged (each row once: a dropped row is never pending
 * again, and the router copies nothing to a receiver it does not know).
 */
async function dropRemovedReceivers(
  orm: MikroORM,
  channels: readonly Channel[],
  log: Logger,
  onOutcome: OutcomeHook | undefined,
): Promise<void> {
  const dropped = await dropUnconfigured(
    orm.em.fork(),
    channels.map((c) => c.name),
    new Date(),
  );
  for (const { channel, count } of dropped) {
    const { type, receiver } = channelOf(channel);
    log.warn(
      { channel: type, receiver, count },
      'receiver no longer configured: its undelivered notifications dropped',
    );
    onOutcome?.('dropped', count, { type, receiver });
  }
}

/** Runs `work` every `ms`, never two at once, logging failures; stop() waits for the round in flight. */
function every(ms: number, work: () => Promise<unknown>, log: Logger, name: string): { stop(): Promise<void> } {
  let current: Promise<unknown> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    current = work()
      .catch((error: unknown) => log.warn({ err: error, loop: name }, 'alerting round failed; will retry'))
      .finally(() => (busy = false));
  }, ms);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}

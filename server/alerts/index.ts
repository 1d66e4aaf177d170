// Alerting's background work: the notifier every second, reminders and
// silence ends every ten seconds. Stop() waits for a round in flight.
import type { MikroORM } from '@mikro-orm/postgresql';
import type { ServerConfig } from '../config.ts';
import { sweepAlerts } from '../db/alert-sweeps.repository.ts';
import type { Logger } from '../log.ts';
import { createMailer } from './mailer.ts';
import { Notifier, type NotifierOptions } from './notifier.ts';

export interface Alerting {
  notifier: Notifier;
  stop(): Promise<void>;
}

type AlertConfig = Pick<
  ServerConfig,
  'smtpUrl' | 'smtpCaFile' | 'mailFrom' | 'mailTo' | 'groupWaitMs' | 'repeatIntervalMs'
>;

export function startAlerting(
  orm: MikroORM,
  config: AlertConfig,
  publicUrl: string,
  log: Logger,
  onOutcome?: NotifierOptions['onOutcome'],
): Alerting {
  const mailer = config.smtpUrl ? createMailer(config.smtpUrl, config.mailFrom, config.smtpCaFile) : null;
  if (!mailer) log.warn('mail is off: VILICUS_SMTP_URL is not set (transitions are still recorded)');
  else if (config.mailTo.length === 0)
    log.warn('VILICUS_MAIL_TO is empty: only checks with spec.notify.email get mail');
  const notifier = new Notifier({
    orm,
    mailer,
    defaultRecipients: config.mailTo,
    publicUrl,
    groupWaitMs: config.groupWaitMs,
    log,
    ...(onOutcome ? { onOutcome } : {}),
  });
  const loops = [
    every(1000, () => notifier.tick(), log, 'notifier'),
    every(10_000, () => sweepAlerts(orm.em.fork(), new Date(), config.repeatIntervalMs), log, 'alert-sweep'),
  ];
  return {
    notifier,
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
      mailer?.close();
    },
  };
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

// One detection trial, the same for vilicus and its peer: kill a watched
// process at a random point of an interval, stop the clock when the SMTP sink
// accepted the mail about it. And the lines a set of trials adds to the summary.
import { waitFor, type Proc } from '../../test/helpers/processes.ts';
import type { ReceivedMail, SmtpSink } from '../../test/helpers/smtp.ts';
import { pause } from './setup.ts';
import { percentile, type Summary } from './stats.ts';

export type Inbox = () => ReceivedMail[];

/** A setting trials run at, on vilicus's or the peer's side. */
export interface Setting {
  /** The summary lines' prefix (the peer's: `prometheus_<key>`). */
  key: string;
  /** vilicus: the check's spec.interval; the peer: Prometheus's scrape and evaluation interval. Undefined = the default. */
  interval: string | undefined;
  /** What that interval is, the default included. */
  intervalMs: number;
}

/**
 * The sink's mails, read at most every 100 ms however many trials wait: each
 * read parses every mail so far, and up to 120 trials poll at once. The clock
 * stops at the sink's own receivedAt, so reading late does not count.
 */
export function inbox(smtp: SmtpSink): Inbox {
  let readAt = 0;
  let mails: ReceivedMail[] = [];
  return () => {
    if (Date.now() - readAt >= 100) [mails, readAt] = [smtp.mails(), Date.now()];
    return mails;
  };
}

export interface KillTrial {
  sleeper: Proc;
  /** The kill lands at a random point of this many ms (one check or scrape interval). */
  spreadMs: number;
  timeoutMs: number;
  /** Picks the mail about this trial's process. */
  isAlert: (mail: ReceivedMail) => boolean;
  /** What to show when the mail never comes (the peer's logs). */
  context?: () => string;
  /** Other receivers timed from the same kill: when each got the alert (epoch ms), once it has. */
  alsoTo?: Record<string, () => number | undefined>;
}

/** SIGKILLs the trial's process; seconds until the sink accepted the mail about it. */
export async function killToMail(t: KillTrial, mails: Inbox): Promise<number> {
  return (await killToAll(t, mails))['mail']!;
}

/** SIGKILLs the trial's process; seconds until the mail (`mail`) and each of `alsoTo` had the alert. */
export async function killToAll(t: KillTrial, mails: Inbox): Promise<Record<string, number>> {
  await pause(Math.random() * t.spreadMs);
  const killedAt = Date.now();
  await t.sleeper.stop('SIGKILL');
  const receivers: Record<string, () => number | undefined> = {
    mail: () => {
      const mail = mails().find(t.isAlert);
      return mail ? Date.parse(mail.receivedAt) : undefined;
    },
    ...t.alsoTo,
  };
  const at: Record<string, number> = {};
  await waitFor(
    async () => {
      for (const [key, receivedAt] of Object.entries(receivers)) at[key] ??= receivedAt()!;
      return Object.keys(receivers).every((key) => at[key] !== undefined);
    },
    t.timeoutMs,
    t.context,
  );
  return Object.fromEntries(Object.entries(at).map(([key, ms]) => [key, (ms - killedAt) / 1000]));
}

export function addLatencies(summary: Summary, key: string, seconds: number[]): void {
  summary.add(`${key}_p50_s`, percentile(seconds, 50));
  summary.add(`${key}_p95_s`, percentile(seconds, 95));
  summary.add(`${key}_max_s`, Math.max(...seconds));
  summary.add(`${key}_trials`, seconds.length);
}

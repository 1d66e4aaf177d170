// The notifier of one channel: claims the channel's due outbox rows, drops the
// silenced ones, groups the rest (one mail, one POST each), delivers, and marks
// the outcome. A crash between claim and mark leaves rows in `sending`; after
// a lease they are delivered again — at most a repeat, never a loss.
import type { MikroORM } from '@mikro-orm/postgresql';
import { retryDelayMs, silenceMatches, type Silence } from '../domain/alerts.ts';
import { claimDue, markOutcome, type ClaimedNotification, type Outcome } from '../db/outbox.repository.ts';
import { SilencesRepository } from '../db/silences.repository.ts';
import type { Logger } from '../log.ts';
import { DeliveryError, type Channel } from './channel.ts';

/** A temporary failure is retried for about half a day (backoff capped at 10 min), then given up. */
const MAX_ATTEMPTS = 150;

/** What became of `count` rows of a channel: a notifier's outcome, or dropped (its receiver was removed). */
export type OutcomeHook = (
  outcome: Outcome['state'] | 'dropped',
  count: number,
  channel: { type: string; receiver: string },
) => void;

export interface NotifierOptions {
  orm: MikroORM;
  channel: Channel;
  groupWaitMs: number;
  log: Logger;
  now?: () => Date;
  /** Counts outcomes (for /metrics). */
  onOutcome?: OutcomeHook;
}

export class Notifier {
  private readonly o: Required<NotifierOptions>;
  constructor(options: NotifierOptions) {
    this.o = { now: () => new Date(), onOutcome: () => {}, ...options };
  }

  /** One round: claim, filter, deliver, mark. Returns how many rows it handled. */
  async tick(): Promise<number> {
    const now = this.o.now();
    const em = this.o.orm.em.fork();
    const claimed = await claimDue(em, this.o.channel.name, now, this.o.groupWaitMs);
    if (claimed.length === 0) return 0;
    const silences = await new SilencesRepository(em).relevant(
      new Date(Math.min(...claimed.map((n) => n.at.getTime()))),
    );
    const silenced = claimed.filter((n) => isSilenced(n, silences, now));
    await this.mark(silenced, { state: 'silenced', reason: 'silenced' }, now);
    const rest = claimed.filter((n) => !silenced.includes(n));
    for (const group of this.o.channel.groups(rest)) await this.deliver(group, now);
    return claimed.length;
  }

  private async deliver(group: ClaimedNotification[], now: Date): Promise<void> {
    const { channel, log } = this.o;
    try {
      const done = await channel.deliver(group);
      if (done === 'sent') {
        await this.mark(group, { state: 'sent' }, now);
        log.info({ count: group.length, kinds: [...new Set(group.map((n) => n.kind))] }, 'alert delivered');
      } else {
        await this.mark(group, { state: 'skipped', reason: done.skipped }, now);
      }
    } catch (error) {
      const permanent = error instanceof DeliveryError && error.permanent;
      const code = error instanceof DeliveryError ? error.code : undefined;
      const message = (error as Error).message;
      const attempts = Math.max(...group.map((n) => n.attempts));
      if (permanent || attempts >= MAX_ATTEMPTS) {
        log.error({ err: message, code }, 'alert refused for good');
        await this.mark(group, { state: 'failed', error: message }, now);
      } else {
        const at = new Date(now.getTime() + retryDelayMs(attempts, Math.random));
        log.warn({ err: message, code, retryAt: at }, 'alert delivery failed; will retry');
        await this.mark(group, { state: 'retry', error: message, at }, now);
      }
    }
  }

  private async mark(rows: ClaimedNotification[], outcome: Outcome, now: Date): Promise<void> {
    if (rows.length === 0) return;
    await markOutcome(
      this.o.orm.em.fork(),
      rows.map((r) => r.id),
      outcome,
      now,
    );
    this.o.onOutcome(outcome.state, rows.length, this.o.channel);
  }
}

function isSilenced(n: ClaimedNotification, silences: readonly Silence[], now: Date): boolean {
  const target = {
    check: n.check,
    namespace: n.namespace,
    agent: n.agent,
    labels: { ...n.checkLabels, ...n.agentLabels },
  };
  // A change that happened under a silence stays quiet, and so does anything a silence covers now.
  // Reminders and silence ends are about now only: their `at` is when the problem began.
  const changeTimeCounts = n.kind !== 'reminder' && n.kind !== 'silence-ended';
  return silences.some((s) => silenceMatches(s, target, now) || (changeTimeCounts && silenceMatches(s, target, n.at)));
}

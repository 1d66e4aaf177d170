// The notifier: claims due outbox rows, drops the silenced ones, groups the
// rest by recipients into one mail each, sends, and marks the outcome. A crash
// between claim and mark leaves rows in `sending`; after a lease they are sent
// again — at most a repeated mail, never a lost one.
import type { MikroORM } from '@mikro-orm/postgresql';
import { isPermanentSmtpFailure, retryDelayMs, silenceMatches, type Silence } from '../domain/alerts.ts';
import { claimDue, markOutcome, type ClaimedNotification } from '../db/outbox.repository.ts';
import { SilencesRepository } from '../db/silences.repository.ts';
import type { Logger } from '../log.ts';
import { SendError, type Mailer } from './mailer.ts';
import { renderMail } from './render.ts';

/** A temporary failure is retried for about a day (capped backoff), then given up. */
const MAX_ATTEMPTS = 150;

export interface NotifierOptions {
  orm: MikroORM;
  mailer: Mailer | null;
  defaultRecipients: readonly string[];
  publicUrl: string;
  groupWaitMs: number;
  log: Logger;
  now?: () => Date;
  /** Counts outcomes (for /metrics). */
  onOutcome?: (outcome: 'sent' | 'failed' | 'retry' | 'silenced' | 'skipped', count: number) => void;
}

export class Notifier {
  private readonly o: Required<NotifierOptions>;
  constructor(options: NotifierOptions) {
    this.o = { now: () => new Date(), onOutcome: () => {}, ...options };
  }

  /** One round: claim, filter, send, mark. Returns how many rows it handled. */
  async tick(): Promise<number> {
    const now = this.o.now();
    const em = this.o.orm.em.fork();
    const claimed = await claimDue(em, now, this.o.groupWaitMs);
    if (claimed.length === 0) return 0;
    const silences = await new SilencesRepository(em).relevant(
      new Date(Math.min(...claimed.map((n) => n.at.getTime()))),
    );
    const silenced = claimed.filter((n) => isSilenced(n, silences, now));
    await this.mark(silenced, { state: 'silenced', reason: 'silenced' }, now);
    const rest = claimed.filter((n) => !silenced.includes(n));
    if (!this.o.mailer) {
      await this.mark(rest, { state: 'skipped', reason: 'mail is off (VILICUS_SMTP_URL is not set)' }, now);
      return claimed.length;
    }
    for (const [to, group] of groupByRecipients(rest, this.o.defaultRecipients)) {
      if (to.length === 0) await this.mark(group, { state: 'skipped', reason: 'no recipients' }, now);
      else await this.send(this.o.mailer, to, group, now);
    }
    return claimed.length;
  }

  private async send(mailer: Mailer, to: string[], group: ClaimedNotification[], now: Date): Promise<void> {
    try {
      await mailer.send(to, renderMail(group, this.o.publicUrl));
      await this.mark(group, { state: 'sent' }, now);
      this.o.log.info({ to, count: group.length, kinds: [...new Set(group.map((n) => n.kind))] }, 'alert mail sent');
    } catch (error) {
      const code = error instanceof SendError ? error.responseCode : undefined;
      const message = (error as Error).message;
      const attempts = Math.max(...group.map((n) => n.attempts));
      if (isPermanentSmtpFailure(code) || attempts >= MAX_ATTEMPTS) {
        this.o.log.error({ to, err: message, code }, 'alert mail refused for good');
        await this.mark(group, { state: 'failed', error: message }, now);
      } else {
        const at = new Date(now.getTime() + retryDelayMs(attempts, Math.random));
        this.o.log.warn({ to, err: message, code, retryAt: at }, 'alert mail failed; will retry');
        await this.mark(group, { state: 'retry', error: message, at }, now);
      }
    }
  }

  private async mark(
    rows: ClaimedNotification[],
    outcome: Parameters<typeof markOutcome>[2],
    now: Date,
  ): Promise<void> {
    if (rows.length === 0) return;
    await markOutcome(
      this.o.orm.em.fork(),
      rows.map((r) => r.id),
      outcome,
      now,
    );
    this.o.onOutcome(outcome.state, rows.length);
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

/** One mail per distinct recipient list: the server's defaults plus each check's own. */
export function groupByRecipients(
  rows: readonly ClaimedNotification[],
  defaults: readonly string[],
): Map<string[], ClaimedNotification[]> {
  const byKey = new Map<string, { to: string[]; rows: ClaimedNotification[] }>();
  for (const row of rows) {
    const to = [...new Set([...defaults, ...row.recipients])].sort();
    const key = to.join(',');
    const group = byKey.get(key) ?? { to, rows: [] };
    group.rows.push(row);
    byKey.set(key, group);
  }
  return new Map([...byKey.values()].map((g) => [g.to, g.rows]));
}

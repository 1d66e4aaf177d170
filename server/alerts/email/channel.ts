// Mail as a channel: one mail per distinct recipient list (the server's
// defaults plus each check's spec.notify.email); SMTP 5xx is final, the rest
// is tried again.
import { isPermanentSmtpFailure } from '../../domain/alerts.ts';
import type { ClaimedNotification } from '../../db/outbox.repository.ts';
import { DeliveryError, type Channel } from '../channel.ts';
import { SendError, type Mailer } from './mailer.ts';
import { renderMail } from './render.ts';

export function emailChannel(mailer: Mailer | null, defaults: readonly string[], publicUrl: string): Channel {
  return {
    name: 'email',
    type: 'email',
    receiver: '',
    groups: (rows) => [...groupByRecipients(rows, defaults).values()],
    async deliver(group) {
      if (!mailer) return { skipped: 'mail is off (VILICUS_SMTP_URL is not set)' };
      const to = recipientsOf(group[0]!, defaults);
      if (to.length === 0) return { skipped: 'no recipients' };
      try {
        await mailer.send(to, renderMail(group, publicUrl));
        return 'sent';
      } catch (error) {
        const code = error instanceof SendError ? error.responseCode : undefined;
        throw new DeliveryError((error as Error).message, isPermanentSmtpFailure(code), code);
      }
    },
    close: () => mailer?.close(),
  };
}

const recipientsOf = (row: ClaimedNotification, defaults: readonly string[]): string[] =>
  [...new Set([...defaults, ...row.recipients])].sort();

/** One mail per distinct recipient list: the server's defaults plus each check's own. */
export function groupByRecipients(
  rows: readonly ClaimedNotification[],
  defaults: readonly string[],
): Map<string, ClaimedNotification[]> {
  const byKey = new Map<string, ClaimedNotification[]>();
  for (const row of rows) {
    const key = recipientsOf(row, defaults).join(',');
    byKey.set(key, [...(byKey.get(key) ?? []), row]);
  }
  return byKey;
}

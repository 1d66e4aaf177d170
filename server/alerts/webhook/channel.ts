// A named webhook receiver as a channel: one JSON POST per group (mail's
// grouping: one post for a burst), with an idempotency key and, when the
// receiver has a secret, an HMAC-SHA256 signature of the body.
import { webhookChannel } from '../../domain/channels.ts';
import { groupByAttempt, type Channel } from '../channel.ts';
import { postJson } from '../http.ts';
import { idempotencyKey, signature, webhookBody } from './payload.ts';

export const SIGNATURE_HEADER = 'x-vilicus-signature';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

export function webhookChannelFor(name: string, url: string, secret: string | undefined, publicUrl: string): Channel {
  return {
    name: webhookChannel(name),
    type: 'webhook',
    receiver: name,
    groups: groupByAttempt,
    async deliver(group) {
      const body = JSON.stringify(webhookBody(name, group, publicUrl));
      const headers: Record<string, string> = { [IDEMPOTENCY_HEADER]: idempotencyKey(name, group) };
      if (secret) headers[SIGNATURE_HEADER] = signature(secret, body);
      await postJson(url, body, headers);
      return 'sent';
    },
  };
}

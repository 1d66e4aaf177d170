// Waits on the alert outbox (GET /api/v1/notifications) instead of the clock:
// a row once `sent` or `failed` is never sent again, so when nothing is
// pending and the final rows are as expected, the mails received are all
// there will be for what the test did.
import { api, waitFor } from './processes.ts';

export type FinalStates = Partial<Record<'sent' | 'failed' | 'silenced' | 'skipped', number>>;

/** Rows in `state`, or all rows. */
export async function outboxCount(url: string, adminToken: string, state?: string): Promise<number> {
  const query = state ? `state=${state}&limit=1000` : 'limit=1000';
  const reply = await api(url, adminToken)('GET', `/api/v1/notifications?${query}`);
  if (reply.status !== 200) throw new Error(`GET /api/v1/notifications: ${reply.status}`);
  return (reply.body as { items: unknown[] }).items.length;
}

/** Until no row is pending or being sent, and each state given has exactly that many rows. */
export async function outboxSettled(
  server: { url: string; output(): string },
  adminToken: string,
  final: FinalStates,
  timeoutMs = 120_000,
): Promise<void> {
  await waitFor(
    async () => {
      for (const open of ['pending', 'sending'])
        if ((await outboxCount(server.url, adminToken, open)) !== 0) return false;
      for (const [state, n] of Object.entries(final))
        if ((await outboxCount(server.url, adminToken, state)) !== n) return false;
      return true;
    },
    timeoutMs,
    () => server.output(),
  );
}

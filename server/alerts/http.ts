// The HTTP edge of the Alertmanager and webhook channels: one POST with a
// deadline; the answer sorted into done, try again, or give up.
import { isPermanentHttpFailure } from '../domain/alerts.ts';
import { VERSION } from '../../contract/version.ts';
import { DeliveryError } from './channel.ts';

/** A receiver that has not answered in this long is treated as down (tried again later). */
export const HTTP_TIMEOUT_MS = 10_000;

export async function postJson(url: string, body: string, headers: Record<string, string>): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'user-agent': `vilicus/${VERSION}`, ...headers },
      redirect: 'manual',
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new DeliveryError(`POST ${safe(url)}: ${cause ?? (error as Error).message}`, false);
  }
  if (response.ok) {
    await response.body?.cancel();
    return;
  }
  const text = (await response.text().catch(() => '')).slice(0, 200).trim();
  throw new DeliveryError(
    `POST ${safe(url)}: HTTP ${response.status}${text ? ` ${text}` : ''}`,
    isPermanentHttpFailure(response.status),
    response.status,
  );
}

/** A URL fit for logs and the notifications list: no user or password. */
export function safe(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString();
}

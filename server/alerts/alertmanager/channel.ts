// Alertmanager as a channel: each outbox row becomes one or two alerts posted
// to POST /api/v2/alerts of one Alertmanager (each URL is its own channel, so
// one that is down holds back neither mail nor the others), and the re-post
// of everything still open (resend.ts) keeps them alive there.
import type { AlertmanagerAuth } from '../../config.ts';
import { alertmanagerChannel } from '../../domain/channels.ts';
import type { Channel } from '../channel.ts';
import { postJson, safe } from '../http.ts';
import { subjectsOf, toPostable, type PostableAlert } from './alerts.ts';

export interface AlertmanagerTarget {
  /** The base URL as configured (credentials in it become basic auth). */
  url: string;
  auth: AlertmanagerAuth | undefined;
  /** How long a posted open alert lasts unless posted again (4 × the re-post interval). */
  ttlMs: number;
  publicUrl: string;
}

export function alertmanagerChannelFor(target: AlertmanagerTarget): Channel {
  const receiver = safe(target.url);
  return {
    name: alertmanagerChannel(receiver),
    type: 'alertmanager',
    receiver,
    groups: (rows) => (rows.length ? [[...rows]] : []), // one POST carries any number of alerts
    async deliver(group) {
      const now = new Date();
      await postAlerts(
        target,
        group.flatMap((n) => subjectsOf(n).map((s) => toPostable(s, target.publicUrl, now, target.ttlMs))),
      );
      return 'sent';
    },
  };
}

export async function postAlerts(target: AlertmanagerTarget, alerts: readonly PostableAlert[]): Promise<void> {
  if (alerts.length === 0) return;
  const url = new URL(target.url);
  const headers: Record<string, string> = {};
  const auth =
    target.auth ??
    (url.username
      ? { type: 'basic' as const, user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) }
      : undefined);
  if (auth?.type === 'bearer') headers['authorization'] = `Bearer ${auth.token}`;
  if (auth?.type === 'basic')
    headers['authorization'] = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
  await postJson(new URL('api/v2/alerts', withSlash(safe(target.url))).toString(), JSON.stringify(alerts), headers);
}

const withSlash = (url: string): string => (url.endsWith('/') ? url : `${url}/`);

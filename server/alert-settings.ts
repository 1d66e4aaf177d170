// The alert channels' settings (Alertmanager, named webhooks), part of the
// server's one settings table in config.ts (the one module that reads the environment).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDuration } from '../contract/duration.ts';
import { parse, type Setting } from '../contract/settings.ts';

const s = <T>(setting: Setting<T>): Setting<T> => setting;

/** A duration setting (30s, 5m, 7d) in ms; config.ts uses it too. */
export function durationMs(raw: string): number {
  const ms = parseDuration(raw);
  if (ms === null) throw new Error(`"${raw}" is not a duration such as 30s, 5m, 7d`);
  return ms;
}

const commaList = (raw: string): string[] =>
  raw
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');

export const RECEIVER_NAME = /^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$/;

/** `NAME=VALUE,NAME=VALUE`; names as a Check's spec.notify.webhooks writes them. */
function namedList(what: string, check: (value: string) => void): (raw: string) => Record<string, string> {
  return (raw) => {
    const out: Record<string, string> = {};
    for (const item of commaList(raw)) {
      const at = item.indexOf('=');
      const name = item.slice(0, Math.max(0, at)).trim();
      if (at < 1 || !RECEIVER_NAME.test(name)) throw new Error(`"${item.split('=')[0]}" is not NAME=${what}`);
      out[name] = item.slice(at + 1).trim();
      try {
        check(out[name]);
      } catch {
        throw new Error(`the ${what} of "${name}" is not valid`); // the value itself may be a secret (Slack's URLs are)
      }
    }
    return out;
  };
}

const httpUrl = parse.urlWith('http:', 'https:');

export type AlertmanagerAuth = { type: 'bearer'; token: string } | { type: 'basic'; user: string; password: string };

/** `bearer:TOKEN` or `basic:USER:PASSWORD` (the password may hold colons). */
function alertmanagerAuth(raw: string): AlertmanagerAuth {
  const text = raw.trim();
  if (text.startsWith('bearer:') && text.length > 7) return { type: 'bearer', token: text.slice(7) };
  const basic = /^basic:([^:]+):(.+)$/.exec(text);
  if (basic) return { type: 'basic', user: basic[1]!, password: basic[2]! };
  throw new Error('expected bearer:TOKEN or basic:USER:PASSWORD');
}

function secretsDir(dir: string): Record<string, string> {
  const names = readdirSync(dir).filter((n) => RECEIVER_NAME.test(n)); // a mounted Secret also holds ..data links
  return Object.fromEntries(names.map((n) => [n, readFileSync(join(dir, n), 'utf8').trim()]));
}

export const alertSettings = {
  alertmanagerUrls: s<string[]>({
    flag: 'alertmanager-url',
    env: ['VILICUS_ALERTMANAGER_URL'],
    default: [],
    shownDefault: '(none)',
    parse: (raw) => commaList(raw).map(httpUrl),
    help: 'Alertmanager base URLs (comma-separated; each gets every alert, as Prometheus does); unset = off',
  }),
  alertmanagerAuth: s<AlertmanagerAuth | undefined>({
    flag: 'alertmanager-auth',
    env: ['VILICUS_ALERTMANAGER_AUTH'],
    default: undefined,
    parse: alertmanagerAuth,
    help: 'Credentials for the Alertmanagers: bearer:TOKEN or basic:USER:PASSWORD',
    secret: true,
  }),
  alertmanagerAuthFile: s<AlertmanagerAuth | undefined>({
    flag: 'alertmanager-auth-file',
    env: ['VILICUS_ALERTMANAGER_AUTH_FILE'],
    default: undefined,
    parse: (path) => alertmanagerAuth(readFileSync(path, 'utf8')),
    help: 'A file holding those credentials (a mounted Secret), read at start',
  }),
  alertmanagerResendMs: s({
    flag: 'alertmanager-resend',
    env: ['VILICUS_ALERTMANAGER_RESEND'],
    default: 60_000,
    shownDefault: '1m',
    parse: durationMs,
    help: 'How often open alerts are posted again to the Alertmanagers (each post lasts 4 times this)',
  }),
  webhooks: s<Record<string, string>>({
    flag: 'webhook',
    env: ['VILICUS_WEBHOOKS'],
    default: {},
    shownDefault: '(none)',
    parse: namedList('URL', httpUrl),
    help: 'Named webhook receivers, NAME=URL (comma-separated); checks route to them by name',
    secret: true,
  }),
  webhookSecrets: s<Record<string, string>>({
    flag: 'webhook-secrets',
    env: ['VILICUS_WEBHOOK_SECRETS'],
    default: {},
    shownDefault: '(none)',
    parse: namedList('SECRET', () => {}),
    help: 'HMAC-SHA256 signing secrets of webhook receivers, NAME=SECRET (comma-separated)',
    secret: true,
  }),
  webhookSecretsDir: s<Record<string, string>>({
    flag: 'webhook-secrets-dir',
    env: ['VILICUS_WEBHOOK_SECRETS_DIR'],
    default: {},
    shownDefault: '(none)',
    parse: secretsDir,
    help: 'A folder with one file per webhook receiver, named after it, holding its secret (a mounted Secret)',
  }),
  notifyWebhooks: s<string[]>({
    flag: 'notify-webhooks',
    env: ['VILICUS_NOTIFY_WEBHOOKS'],
    default: [],
    shownDefault: '(none)',
    parse: commaList,
    help: "Webhook receivers of every alert (comma-separated names), added to each check's spec.notify.webhooks",
  }),
} satisfies Record<string, Setting<unknown>>;

// The server's one config module: every setting, validated at start and frozen.
// Nothing else in server/ reads process.env.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDuration } from './api/contract/duration.ts';
import {
  parse,
  parseFlags,
  resolveSettings,
  SettingError,
  type Setting,
  type SettingsOf,
} from './api/contract/settings.ts';

const s = <T>(setting: Setting<T>): Setting<T> => setting;

function emailList(raw: string): string[] {
  const list = raw
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  const bad = list.find((a) => !/^[^\s@]+@[^\s@]+$/.test(a));
  if (bad) throw new Error(`"${bad}" is not an email address`);
  return list;
}

/** Only the spellings people use for on and off; a typo must not silently mean "off". */
function flag(raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw new Error(`"${raw}" is not true or false`);
}

const commaList = (raw: string): string[] =>
  raw
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');

const RECEIVER_NAME = /^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$/;

/** `NAME=VALUE,NAME=VALUE`; names as a Check's spec.notify.webhooks writes them. */
function namedList(what: string, check: (value: string) => void): (raw: string) => Record<string, string> {
  return (raw) => {
    const out: Record<string, string> = {};
    for (const item of commaList(raw)) {
      const at = item.indexOf('=');
      const name = item.slice(0, Math.max(0, at)).trim();
      if (at < 1 || !RECEIVER_NAME.test(name)) throw new Error(`"${item.split('=')[0]}" is not NAME=${what}`);
      out[name] = item.slice(at + 1).trim();
      check(out[name]);
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

function durationMs(raw: string): number {
  const ms = parseDuration(raw);
  if (ms === null) throw new Error(`"${raw}" is not a duration such as 30s, 5m, 7d`);
  return ms;
}

export const serverSettings = {
  port: s({ flag: 'port', env: ['VILICUS_PORT'], default: 8080, parse: parse.port, help: 'HTTP port' }),
  host: s({
    flag: 'host',
    env: ['VILICUS_HOST'],
    default: '0.0.0.0',
    parse: parse.string,
    help: 'Address to listen on',
  }),
  dataDir: s({
    flag: 'data-dir',
    env: ['VILICUS_DATA_DIR'],
    default: './.vilicus',
    parse: parse.string,
    help: 'Folder for the embedded database and the generated admin token',
  }),
  databaseUrl: s<string | undefined>({
    flag: 'database-url',
    env: ['DATABASE_URL', 'VILICUS_DATABASE_URL'],
    default: undefined,
    parse: parse.urlWith('postgres:', 'postgresql:'),
    help: 'PostgreSQL URL; unset = embedded PGlite in the data dir',
    secret: true,
  }),
  adminToken: s<string | undefined>({
    flag: 'admin-token',
    env: ['VILICUS_ADMIN_TOKEN'],
    default: undefined,
    parse: parse.string,
    help: 'Admin bearer token; unset = generated on first start into DATA_DIR/admin-token (mode 0600)',
    secret: true,
  }),
  retentionMs: s({
    flag: 'retention',
    env: ['VILICUS_RETENTION'],
    default: 7 * 86_400_000,
    shownDefault: '7d',
    parse: durationMs,
    help: 'How long result history (results and transitions) is kept',
  }),
  missingAfter: s({
    flag: 'missing-after',
    env: ['VILICUS_MISSING_AFTER'],
    default: 3,
    parse: parse.positiveInt,
    help: 'An agent silent for this many of its intervals is missing',
  }),
  bodyLimit: s({
    flag: 'body-limit',
    env: ['VILICUS_BODY_LIMIT'],
    default: 1_048_576,
    parse: parse.positiveInt,
    help: 'Largest request body in bytes (413 above)',
  }),
  smtpUrl: s<string | undefined>({
    flag: 'smtp-url',
    env: ['VILICUS_SMTP_URL'],
    default: undefined,
    parse: parse.urlWith('smtp:', 'smtps:'),
    help: 'SMTP server for alerts, e.g. smtp://user:pass@mail:587 (STARTTLS when offered) or smtps://…:465; unset = mail off',
    secret: true,
  }),
  mailFrom: s({
    flag: 'mail-from',
    env: ['VILICUS_MAIL_FROM'],
    default: 'vilicus@localhost',
    parse: parse.string,
    help: 'Sender address of alert mails',
  }),
  mailTo: s<string[]>({
    flag: 'mail-to',
    env: ['VILICUS_MAIL_TO'],
    default: [],
    shownDefault: '(none)',
    parse: emailList,
    help: "Default recipients (comma-separated), added to each check's spec.notify.email",
  }),
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
  publicUrl: s<string | undefined>({
    flag: 'public-url',
    env: ['VILICUS_PUBLIC_URL'],
    default: undefined,
    parse: parse.urlWith('http:', 'https:'),
    help: 'How people reach this server, for links in mails; unset = the listen address',
  }),
  groupWaitMs: s({
    flag: 'group-wait',
    env: ['VILICUS_GROUP_WAIT'],
    default: 5000,
    shownDefault: '5s',
    parse: durationMs,
    help: 'How long the first alert of a group waits for others to share its mail',
  }),
  repeatIntervalMs: s({
    flag: 'repeat-interval',
    env: ['VILICUS_REPEAT_INTERVAL'],
    default: 4 * 3_600_000,
    shownDefault: '4h',
    parse: durationMs,
    help: 'Reminder interval for a problem that stays open (a check may set spec.notify.repeatInterval)',
  }),
  dashboardPublic: s({
    flag: 'dashboard-public',
    env: ['VILICUS_DASHBOARD_PUBLIC'],
    default: false,
    parse: flag,
    help: 'Let anyone who reaches the server read the dashboard without the admin token (silencing still needs it)',
  }),
  kubernetes: s({
    flag: 'kubernetes',
    env: ['VILICUS_KUBERNETES'],
    default: 'auto' as const,
    parse: parse.oneOf('auto', 'on', 'off'),
    help: 'Kubernetes mode (Check resources, Lease, TokenReview): auto = on when in a cluster or KUBECONFIG is set',
  }),
  kubeconfig: s<string | undefined>({
    flag: 'kubeconfig',
    env: ['KUBECONFIG'],
    default: undefined,
    parse: parse.string,
    help: 'Kubeconfig file, when not running in a cluster',
  }),
  namespaces: s<string[]>({
    flag: 'namespaces',
    env: ['VILICUS_NAMESPACES'],
    default: [],
    shownDefault: '(all)',
    parse: (raw) =>
      raw
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n !== ''),
    help: 'Watch Check resources only in these namespaces (comma-separated)',
  }),
  podName: s({
    flag: 'pod-name',
    env: ['VILICUS_POD_NAME', 'HOSTNAME'],
    default: 'vilicus-server',
    parse: parse.string,
    help: 'This replica’s identity in the leader Lease (the chart sets it from the downward API)',
  }),
  podNamespace: s({
    flag: 'pod-namespace',
    env: ['VILICUS_POD_NAMESPACE'],
    default: 'default',
    parse: parse.string,
    help: 'Namespace of the leader Lease and of the agent ServiceAccount',
  }),
  leaseName: s({
    flag: 'lease-name',
    env: ['VILICUS_LEASE_NAME'],
    default: 'vilicus-leader',
    parse: parse.string,
    help: 'Name of the coordination.k8s.io Lease the replicas elect a leader with',
  }),
  agentServiceAccount: s({
    flag: 'agent-service-account',
    env: ['VILICUS_AGENT_SERVICE_ACCOUNT'],
    default: 'vilicus-agent',
    parse: parse.string,
    help: 'The agents’ ServiceAccount (NAME in the pod namespace, or NAMESPACE:NAME) that TokenReview must report',
  }),
  logLevel: s({
    flag: 'log-level',
    env: ['VILICUS_LOG_LEVEL'],
    default: 'info' as const,
    parse: parse.oneOf('trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'),
    help: 'Log level',
  }),
} satisfies Record<string, Setting<unknown>>;

function secretsDir(dir: string): Record<string, string> {
  const names = readdirSync(dir).filter((n) => RECEIVER_NAME.test(n)); // a mounted Secret also holds ..data links
  return Object.fromEntries(names.map((n) => [n, readFileSync(join(dir, n), 'utf8').trim()]));
}

export type ServerConfig = SettingsOf<typeof serverSettings> & {
  /** Running in a Kubernetes pod (the kubelet sets KUBERNETES_SERVICE_HOST). */
  inCluster: boolean;
};

export function loadServerConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): ServerConfig {
  const settings = resolveSettings(serverSettings, parseFlags(serverSettings, argv), env);
  const known = (names: string[], where: string): void => {
    const bad = names.find((n) => !(n in settings.webhooks));
    if (bad) throw new SettingError(where, `"${bad}" is not a webhook receiver (VILICUS_WEBHOOKS names none such)`);
  };
  known(settings.notifyWebhooks, 'VILICUS_NOTIFY_WEBHOOKS');
  known(Object.keys(settings.webhookSecrets), 'VILICUS_WEBHOOK_SECRETS');
  return Object.freeze({
    ...settings,
    // The credentials file wins over the setting; a NAME=SECRET setting wins over the secrets folder.
    alertmanagerAuth: settings.alertmanagerAuthFile ?? settings.alertmanagerAuth,
    webhookSecrets: { ...pick(settings.webhookSecretsDir, settings.webhooks), ...settings.webhookSecrets },
    inCluster: Boolean(env['KUBERNETES_SERVICE_HOST']),
  });
}

const pick = (values: Record<string, string>, keys: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(values).filter(([k]) => k in keys));

/** The CLI's client commands (apply, get, agents) talk to a running server. */
export const clientSettings = {
  server: s({
    flag: 'server',
    env: ['VILICUS_SERVER'],
    default: 'http://127.0.0.1:8080',
    parse: parse.urlWith('http:', 'https:'),
    help: 'Server URL for the client commands',
  }),
  adminToken: serverSettings.adminToken,
  dataDir: serverSettings.dataDir,
} satisfies Record<string, Setting<unknown>>;
export type ClientConfig = SettingsOf<typeof clientSettings>;

/** Client commands parse their own flags (e.g. -f) together with these. */
export function loadClientConfig(
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ClientConfig {
  return resolveSettings(clientSettings, flags, env);
}

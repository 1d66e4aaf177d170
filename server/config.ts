// The server's one config module: every setting, validated at start and frozen.
// Nothing else in server/ reads process.env.
import { alertSettings, durationMs } from './alert-settings.ts';
import {
  parse,
  parseFlags,
  resolveSettings,
  SettingError,
  type Setting,
  type SettingsOf,
} from '../contract/settings.ts';

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

/** Also the default of an app built without the config (tests, bench). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

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
  dbWaitMs: s({
    flag: 'db-wait',
    env: ['VILICUS_DB_WAIT'],
    default: 5 * 60_000,
    shownDefault: '5m',
    parse: (raw) => (raw.trim() === '0' ? 0 : durationMs(raw)),
    help: 'How long the server, listening, waits for its database at start before it exits; 0 = forever',
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
  requestTimeoutMs: s({
    flag: 'request-timeout',
    env: ['VILICUS_REQUEST_TIMEOUT'],
    default: DEFAULT_REQUEST_TIMEOUT_MS,
    shownDefault: '30s',
    parse: durationMs,
    help: 'A request, its body included, must arrive within this (408 after): a slow or stalled client cannot hold a connection',
  }),
  smtpUrl: s<string | undefined>({
    flag: 'smtp-url',
    env: ['VILICUS_SMTP_URL'],
    default: undefined,
    parse: parse.urlWith('smtp:', 'smtps:'),
    help: 'SMTP server for alerts, e.g. smtp://user:pass@mail:587 (STARTTLS when offered) or smtps://…:465; unset = mail off',
    secret: true,
  }),
  smtpCaFile: s<string | undefined>({
    flag: 'smtp-ca-file',
    env: ['VILICUS_SMTP_CA_FILE'],
    default: undefined,
    parse: parse.string,
    help: 'PEM file of CA certificates to trust for the SMTP server, besides the system’s (a private or self-signed CA)',
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
  ...alertSettings,
  publicUrl: s<string | undefined>({
    flag: 'public-url',
    env: ['VILICUS_PUBLIC_URL'],
    default: undefined,
    parse: parse.urlWith('http:', 'https:'),
    help: 'How people reach this server, for links in mails; unset = the listen address (the hostname when listening on 0.0.0.0)',
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
  resyncMs: s({
    flag: 'resync',
    env: ['VILICUS_RESYNC'],
    default: 10 * 60_000,
    shownDefault: '10m',
    parse: durationMs,
    help: 'How often every Check resource is reconciled again, changed or not, so a missed event heals itself',
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

export type { AlertmanagerAuth } from './alert-settings.ts';

export type ServerConfig = SettingsOf<typeof serverSettings> & {
  /** Running in a Kubernetes pod (the kubelet sets KUBERNETES_SERVICE_HOST). */
  inCluster: boolean;
  /** NODE_OPTIONS as this process was started with: V8 flags given there win over the server's own (v8-flags.ts). */
  nodeOptions: string;
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
    nodeOptions: env['NODE_OPTIONS'] ?? '',
  });
}

/** A re-executed server's environment (cli/v8-flags.ts): `defaults`, unless set here — the user's values win. */
export function environmentWith(
  defaults: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string | undefined> {
  return { ...defaults, ...env };
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

// The server's one config module: every setting, validated at start and frozen.
// Nothing else in server/ reads process.env.
import { parseDuration } from './api/contract/duration.ts';
import { parse, parseFlags, resolveSettings, type Setting, type SettingsOf } from './api/contract/settings.ts';

const s = <T>(setting: Setting<T>): Setting<T> => setting;

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
  logLevel: s({
    flag: 'log-level',
    env: ['VILICUS_LOG_LEVEL'],
    default: 'info' as const,
    parse: parse.oneOf('trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'),
    help: 'Log level',
  }),
} satisfies Record<string, Setting<unknown>>;

export type ServerConfig = SettingsOf<typeof serverSettings>;

export function loadServerConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): ServerConfig {
  return resolveSettings(serverSettings, parseFlags(serverSettings, argv), env);
}

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

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettingError } from '../../../contract/settings.ts';
import { environmentWith, loadClientConfig, loadServerConfig, type ServerConfig } from '../../../server/config.ts';

// Settings without a default are undefined at run time, whatever ServerConfig says.
type Loaded = { [K in keyof ServerConfig]: ServerConfig[K] | undefined };

const DEFAULTS: Loaded = {
  port: 8080,
  host: '0.0.0.0',
  dataDir: './.vilicus',
  databaseUrl: undefined,
  dbWaitMs: 5 * 60_000,
  adminToken: undefined,
  retentionMs: 7 * 86_400_000,
  missingAfter: 3,
  bodyLimit: 1_048_576,
  requestTimeoutMs: 30_000,
  smtpUrl: undefined,
  smtpCaFile: undefined,
  mailFrom: 'vilicus@localhost',
  mailTo: [],
  alertmanagerUrls: [],
  alertmanagerAuth: undefined,
  alertmanagerAuthFile: undefined,
  alertmanagerResendMs: 60_000,
  webhooks: {},
  webhookSecrets: {},
  webhookSecretsDir: {},
  notifyWebhooks: [],
  publicUrl: undefined,
  groupWaitMs: 5000,
  repeatIntervalMs: 4 * 3_600_000,
  dashboardPublic: false,
  kubernetes: 'auto',
  kubeconfig: undefined,
  namespaces: [],
  podName: 'vilicus-server',
  podNamespace: 'default',
  leaseName: 'vilicus-leader',
  agentServiceAccount: 'vilicus-agent',
  resyncMs: 600_000,
  logLevel: 'info',
  inCluster: false,
  nodeOptions: '',
};

describe('loadServerConfig', () => {
  it('uses the embedded-mode defaults when nothing is set', () => {
    expect(loadServerConfig([], {})).toEqual(DEFAULTS);
  });

  it('ignores env variables that are not settings', () => {
    expect(loadServerConfig([], { PORT: '1', HOME: '/root' })).toEqual(DEFAULTS);
  });

  it.each<[string, string[], Record<string, string>, Partial<Loaded>]>([
    // env over defaults
    ['VILICUS_PORT sets the port', [], { VILICUS_PORT: '9090' }, { port: 9090 }],
    // flag over defaults
    ['--port sets the port', ['--port', '9091'], {}, { port: 9091 }],
    // flag over env
    ['--port beats VILICUS_PORT', ['--port=9092'], { VILICUS_PORT: '9090' }, { port: 9092 }],
    // the usual PostgreSQL variable
    [
      'DATABASE_URL sets the database',
      [],
      { DATABASE_URL: 'postgres://db/vilicus' },
      { databaseUrl: 'postgres://db/vilicus' },
    ],
    // the prefixed name also works
    [
      'VILICUS_DATABASE_URL sets the database',
      [],
      { VILICUS_DATABASE_URL: 'postgres://db2/vilicus' },
      { databaseUrl: 'postgres://db2/vilicus' },
    ],
    // both set: DATABASE_URL is listed first
    [
      'DATABASE_URL beats VILICUS_DATABASE_URL',
      [],
      { DATABASE_URL: 'postgres://a/x', VILICUS_DATABASE_URL: 'postgres://b/x' },
      { databaseUrl: 'postgres://a/x' },
    ],
    // an empty DATABASE_URL means the embedded database
    ['an empty DATABASE_URL leaves the database unset', [], { DATABASE_URL: '' }, { databaseUrl: undefined }],
    // durations
    ['VILICUS_RETENTION reads a duration', [], { VILICUS_RETENTION: '36h' }, { retentionMs: 36 * 3_600_000 }],
    // the flag name differs from the key
    ['--retention reads a duration', ['--retention', '1d12h'], {}, { retentionMs: 36 * 3_600_000 }],
    ['VILICUS_DB_WAIT reads a duration', [], { VILICUS_DB_WAIT: '90s' }, { dbWaitMs: 90_000 }],
    ['--db-wait 0 waits for ever', ['--db-wait', '0'], {}, { dbWaitMs: 0 }],
    // multi-word flags
    ['--missing-after sets missingAfter', ['--missing-after', '5'], {}, { missingAfter: 5 }],
    ['--data-dir sets dataDir', ['--data-dir', '/var/lib/vilicus'], {}, { dataDir: '/var/lib/vilicus' }],
    ['--body-limit sets bodyLimit', ['--body-limit', '2048'], {}, { bodyLimit: 2048 }],
    ['VILICUS_LOG_LEVEL sets the level', [], { VILICUS_LOG_LEVEL: 'debug' }, { logLevel: 'debug' }],
    ['VILICUS_ADMIN_TOKEN sets the token', [], { VILICUS_ADMIN_TOKEN: 's3cret' }, { adminToken: 's3cret' }],
    ['--host sets the address', ['--host', '127.0.0.1'], { VILICUS_HOST: '::' }, { host: '127.0.0.1' }],
    // on/off settings take the usual spellings
    [
      'VILICUS_DASHBOARD_PUBLIC=true opens the dashboard',
      [],
      { VILICUS_DASHBOARD_PUBLIC: 'true' },
      { dashboardPublic: true },
    ],
    ['--dashboard-public no keeps it closed', ['--dashboard-public', 'no'], {}, { dashboardPublic: false }],
  ])('%s', (_name, argv, env, expected) => {
    expect(loadServerConfig(argv, env)).toEqual({ ...DEFAULTS, ...expected });
  });

  it.each<[string, string[], Record<string, string>, string]>([
    // the example from the brief
    ['a port that is not a number in env', [], { VILICUS_PORT: 'abc' }, 'VILICUS_PORT: "abc" is not a port (0-65535)'],
    // out of range, as a flag
    ['a port out of range as a flag', ['--port', '70000'], {}, '--port: "70000" is not a port (0-65535)'],
    // a bad flag is reported even when env is good
    [
      'a bad flag over a good env value',
      ['--port', 'x'],
      { VILICUS_PORT: '9090' },
      '--port: "x" is not a port (0-65535)',
    ],
    // durations
    [
      'a retention that is not a duration',
      [],
      { VILICUS_RETENTION: 'a week' },
      'VILICUS_RETENTION: "a week" is not a duration such as 30s, 5m, 7d',
    ],
    // zero intervals would mark every agent missing at once
    ['missing-after 0', ['--missing-after', '0'], {}, '--missing-after: "0" is not a positive whole number'],
    // a body limit must be a whole number
    [
      'a fractional body limit',
      [],
      { VILICUS_BODY_LIMIT: '1.5' },
      'VILICUS_BODY_LIMIT: "1.5" is not a positive whole number',
    ],
    // a typo must not quietly mean "closed" (or "open")
    [
      'a dashboard-public value that is not on or off',
      [],
      { VILICUS_DASHBOARD_PUBLIC: 'ture' },
      'VILICUS_DASHBOARD_PUBLIC: "ture" is not true or false',
    ],
    // levels are a closed list
    [
      'an unknown log level',
      [],
      { VILICUS_LOG_LEVEL: 'loud' },
      'VILICUS_LOG_LEVEL: "loud" is not one of trace, debug, info, warn, error, fatal, silent',
    ],
    // the database must be a URL; the name of the variable that held it is given
    ['a database URL that is not a URL', [], { VILICUS_DATABASE_URL: 'postgres db' }, 'VILICUS_DATABASE_URL: '],
    // flags no setting has
    ['an unknown flag', ['--prot', '80'], {}, "arguments: Unknown option '--prot'"],
  ])('throws naming the setting for %s', (_name, argv, env, message) => {
    const load = (): unknown => loadServerConfig(argv, env);
    expect(load).toThrow(SettingError);
    expect(load).toThrow(message);
  });

  it('does not echo a secret value in its error', () => {
    // DATABASE_URL comes from a Secret; a typo in the port must not print the password to the log.
    const load = (): unknown => loadServerConfig([], { DATABASE_URL: 'postgres://vilicus:hunter2@db:5432x/vilicus' });
    expect(load).toThrow(/^DATABASE_URL: /);
    expect(load).not.toThrow(/hunter2/);
  });

  it('returns a frozen config', () => {
    expect(Object.isFrozen(loadServerConfig([], {}))).toBe(true);
  });
});

describe('alert channel settings', () => {
  it('reads Alertmanager URLs, credentials and named webhooks with their secrets', () => {
    const config = loadServerConfig([], {
      VILICUS_ALERTMANAGER_URL: 'http://am-0:9093, https://am-1:9093/am',
      VILICUS_ALERTMANAGER_AUTH: 'basic:vilicus:pa:ss',
      VILICUS_WEBHOOKS: 'chat=https://hooks.example.com/T/B/X,ops=http://ops/hook?a=1',
      VILICUS_WEBHOOK_SECRETS: 'ops=s3cret',
      VILICUS_NOTIFY_WEBHOOKS: 'chat',
    });
    expect(config.alertmanagerUrls).toEqual(['http://am-0:9093', 'https://am-1:9093/am']);
    expect(config.alertmanagerAuth).toEqual({ type: 'basic', user: 'vilicus', password: 'pa:ss' });
    expect(config.webhooks).toEqual({ chat: 'https://hooks.example.com/T/B/X', ops: 'http://ops/hook?a=1' });
    expect(config.webhookSecrets).toEqual({ ops: 's3cret' });
    expect(config.notifyWebhooks).toEqual(['chat']);
  });

  it('reads credentials and signing secrets from files (mounted Secrets), the named setting winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vilicus-config-'));
    try {
      writeFileSync(join(dir, 'auth'), 'bearer:tok-1\n');
      const secrets = join(dir, 'secrets');
      mkdirSync(join(secrets, '..data'), { recursive: true }); // the layout the kubelet mounts
      writeFileSync(join(secrets, '..data', 'chat'), 'from-file\n');
      symlinkSync('..data/chat', join(secrets, 'chat'));
      writeFileSync(join(secrets, 'ops'), 'ops-file');
      const config = loadServerConfig([], {
        VILICUS_ALERTMANAGER_AUTH: 'bearer:ignored',
        VILICUS_ALERTMANAGER_AUTH_FILE: join(dir, 'auth'),
        VILICUS_WEBHOOKS: 'chat=http://c/h,ops=http://o/h',
        VILICUS_WEBHOOK_SECRETS_DIR: secrets,
        VILICUS_WEBHOOK_SECRETS: 'ops=from-setting',
      });
      expect(config.alertmanagerAuth).toEqual({ type: 'bearer', token: 'tok-1' });
      expect(config.webhookSecrets).toEqual({ chat: 'from-file', ops: 'from-setting' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [
      { VILICUS_ALERTMANAGER_URL: 'am:9093' },
      'VILICUS_ALERTMANAGER_URL: "am:9093" must start with http:// or https://',
    ],
    [{ VILICUS_ALERTMANAGER_AUTH: 'token' }, 'VILICUS_ALERTMANAGER_AUTH: expected bearer:TOKEN or basic:USER:PASSWORD'],
    [{ VILICUS_WEBHOOKS: 'Chat=http://c/h' }, 'VILICUS_WEBHOOKS: "Chat" is not NAME=URL'],
    [{ VILICUS_WEBHOOKS: 'chat=c/h' }, 'VILICUS_WEBHOOKS: the URL of "chat" is not valid'],
    [{ VILICUS_NOTIFY_WEBHOOKS: 'chat' }, 'VILICUS_NOTIFY_WEBHOOKS: "chat" is not a webhook receiver'],
    [{ VILICUS_WEBHOOK_SECRETS: 'chat=x' }, 'VILICUS_WEBHOOK_SECRETS: "chat" is not a webhook receiver'],
  ])('refuses %j', (env, message) => {
    expect(() => loadServerConfig([], env)).toThrow(SettingError);
    expect(() => loadServerConfig([], env)).toThrow(message);
  });

  it('keeps webhook URLs out of error messages (they are secrets, such as Slack’s)', () => {
    expect(() => loadServerConfig([], { VILICUS_WEBHOOKS: 'chat=hooks.slack.com/T/B/X' })).toThrow(
      /^VILICUS_WEBHOOKS: the URL of "chat" is not valid$/,
    );
  });
});

describe('environmentWith (a re-executed server)', () => {
  it.each([
    ['a default the user left unset', {}, { MALLOC_ARENA_MAX: '1' }],
    ["the user's own value", { MALLOC_ARENA_MAX: '4' }, { MALLOC_ARENA_MAX: '4' }],
    ['the rest of the environment, unchanged', { PATH: '/bin' }, { MALLOC_ARENA_MAX: '1', PATH: '/bin' }],
  ])('keeps %s', (_, env, expected) => {
    expect(environmentWith({ MALLOC_ARENA_MAX: '1' }, env)).toEqual(expected);
  });
});

describe('loadClientConfig', () => {
  it.each<[string, Record<string, unknown>, Record<string, string>, string]>([
    // the local server by default
    ['defaults to the local server', {}, {}, 'http://127.0.0.1:8080'],
    // env
    ['reads VILICUS_SERVER', {}, { VILICUS_SERVER: 'https://mon.example.com' }, 'https://mon.example.com'],
    // flag over env
    ['prefers --server over VILICUS_SERVER', { server: 'http://a:1' }, { VILICUS_SERVER: 'http://b:2' }, 'http://a:1'],
  ])('%s', (_name, flags, env, server) => {
    expect(loadClientConfig(flags, env).server).toBe(server);
  });

  it('shares the admin token and data dir settings with the server', () => {
    expect(loadClientConfig({ 'data-dir': '/d' }, { VILICUS_ADMIN_TOKEN: 't' })).toEqual({
      server: 'http://127.0.0.1:8080',
      adminToken: 't',
      dataDir: '/d',
    });
  });

  it('throws naming VILICUS_SERVER for a server that is not a URL', () => {
    expect(() => loadClientConfig({}, { VILICUS_SERVER: 'mon 8080' })).toThrow(
      'VILICUS_SERVER: "mon 8080" is not a URL',
    );
  });
});

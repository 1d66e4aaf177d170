// The agent's one config module: every setting, validated at start and frozen.
// Nothing else in agent/ reads process.env.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parse, parseFlags, resolveSettings, type Setting, type SettingsOf } from '../contract/settings.ts';

const s = <T>(setting: Setting<T>): Setting<T> => setting;

export const agentSettings = {
  server: s({
    flag: 'server',
    env: ['VILICUS_SERVER'],
    default: 'http://127.0.0.1:8080',
    parse: parse.urlWith('http:', 'https:'),
    help: 'The vilicus server the agent reports to',
  }),
  token: s<string | undefined>({
    flag: 'token',
    env: ['VILICUS_TOKEN'],
    default: undefined,
    parse: parse.string,
    help: 'This agent’s token (from `vilicus agents add`)',
    secret: true,
  }),
  tokenFile: s<string | undefined>({
    flag: 'token-file',
    env: ['VILICUS_TOKEN_FILE'],
    default: undefined,
    parse: parse.string,
    help: 'Read the token from this file instead',
  }),
  name: s<string | undefined>({
    flag: 'name',
    env: ['VILICUS_AGENT_NAME', 'NODE_NAME'],
    default: undefined,
    parse: parse.string,
    help: 'This host’s name as reported to the server (default: NODE_NAME, else the hostname)',
  }),
  queueSize: s({
    flag: 'queue-size',
    env: ['VILICUS_AGENT_QUEUE'],
    default: 10_000,
    parse: parse.positiveInt,
    help: 'Results kept while the server is unreachable (oldest dropped first)',
  }),
  hostRoot: s({
    flag: 'host-root',
    env: ['VILICUS_HOST_ROOT'],
    default: '/',
    parse: (raw: string): string => {
      if (!raw.startsWith('/')) throw new Error(`"${raw}" is not an absolute path`);
      return raw;
    },
    help: 'Where the host’s root filesystem is mounted for the agent; disk checks read their path under it, cpu checks its /proc/stat when it has one (Kubernetes: `/host`)',
  }),
  logLevel: s({
    flag: 'log-level',
    env: ['VILICUS_LOG_LEVEL'],
    default: 'info' as const,
    parse: parse.oneOf('trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'),
    help: 'Log level',
  }),
} satisfies Record<string, Setting<unknown>>;

export type AgentConfigSettings = SettingsOf<typeof agentSettings> & { token: string; name: string };

export function loadAgentConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): AgentConfigSettings {
  const settings = resolveSettings(agentSettings, parseFlags(agentSettings, argv), env);
  const token = settings.token ?? (settings.tokenFile ? readFileSync(settings.tokenFile, 'utf8').trim() : undefined);
  if (!token)
    throw new Error('--token / VILICUS_TOKEN (or --token-file / VILICUS_TOKEN_FILE): the agent needs its token');
  return Object.freeze({ ...settings, token, name: settings.name ?? hostname() });
}

/** NODE_OPTIONS as this process was started with: V8 flags given there win over the agent's own (v8-flags.ts). */
export function nodeOptions(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env['NODE_OPTIONS'] ?? '';
}

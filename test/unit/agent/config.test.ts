import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAgentConfig, type AgentConfigSettings } from '../../../agent/config.ts';
import { SettingError } from '../../../contract/settings.ts';

const TOKEN = { VILICUS_TOKEN: 'agent-token' };

describe('loadAgentConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vilicus-agent-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('uses the defaults with only a token set', () => {
    expect(loadAgentConfig([], TOKEN)).toEqual({
      server: 'http://127.0.0.1:8080',
      token: 'agent-token',
      tokenFile: undefined,
      name: hostname(),
      queueSize: 10_000,
      hostRoot: '/',
      logLevel: 'info',
    });
  });

  it.each<[string, string[], Record<string, string>, Partial<AgentConfigSettings>]>([
    // in a DaemonSet, the downward API gives NODE_NAME
    ['uses NODE_NAME when VILICUS_AGENT_NAME is unset', [], { NODE_NAME: 'node-7' }, { name: 'node-7' }],
    // the explicit name wins over the node name
    [
      'prefers VILICUS_AGENT_NAME over NODE_NAME',
      [],
      { VILICUS_AGENT_NAME: 'web-1', NODE_NAME: 'node-7' },
      { name: 'web-1' },
    ],
    // an empty VILICUS_AGENT_NAME counts as unset
    [
      'falls back to NODE_NAME when VILICUS_AGENT_NAME is empty',
      [],
      { VILICUS_AGENT_NAME: '', NODE_NAME: 'node-7' },
      { name: 'node-7' },
    ],
    // the flag wins over both
    [
      'prefers --name over env',
      ['--name', 'cli-name'],
      { VILICUS_AGENT_NAME: 'web-1', NODE_NAME: 'node-7' },
      { name: 'cli-name' },
    ],
    // server from env, then from the flag
    ['reads VILICUS_SERVER', [], { VILICUS_SERVER: 'https://mon.example.com' }, { server: 'https://mon.example.com' }],
    [
      'prefers --server over VILICUS_SERVER',
      ['--server=http://a:1'],
      { VILICUS_SERVER: 'http://b:2' },
      { server: 'http://a:1' },
    ],
    // the token flag over env
    ['prefers --token over VILICUS_TOKEN', ['--token', 'from-flag'], {}, { token: 'from-flag' }],
    // queue size
    ['reads VILICUS_AGENT_QUEUE', [], { VILICUS_AGENT_QUEUE: '50' }, { queueSize: 50 }],
    [
      'prefers --queue-size over VILICUS_AGENT_QUEUE',
      ['--queue-size', '7'],
      { VILICUS_AGENT_QUEUE: '50' },
      { queueSize: 7 },
    ],
    ['reads VILICUS_LOG_LEVEL', [], { VILICUS_LOG_LEVEL: 'warn' }, { logLevel: 'warn' }],
    // a DaemonSet mounts the host's / at /host
    ['reads VILICUS_HOST_ROOT', [], { VILICUS_HOST_ROOT: '/host' }, { hostRoot: '/host' }],
  ])('%s', (_name, argv, env, expected) => {
    expect(loadAgentConfig(argv, { ...TOKEN, ...env })).toMatchObject(expected);
  });

  it.each<[string, string[], Record<string, string>]>([
    // nothing at all
    ['no token anywhere', [], {}],
    // an empty variable is not a token
    ['an empty VILICUS_TOKEN', [], { VILICUS_TOKEN: '' }],
    // nor an empty flag
    ['an empty --token', ['--token='], {}],
  ])('throws naming the token settings for %s', (_name, argv, env) => {
    expect(() => loadAgentConfig(argv, env)).toThrow(
      '--token / VILICUS_TOKEN (or --token-file / VILICUS_TOKEN_FILE): the agent needs its token',
    );
  });

  it('reads the token from the token file, trimmed', () => {
    const file = join(dir, 'token');
    writeFileSync(file, '  file-token\n');
    expect(loadAgentConfig([], { VILICUS_TOKEN_FILE: file }).token).toBe('file-token');
  });

  it('prefers a token over the token file', () => {
    const file = join(dir, 'token-ignored');
    writeFileSync(file, 'file-token\n');
    expect(loadAgentConfig(['--token-file', file], TOKEN).token).toBe('agent-token');
  });

  it('throws when the token file holds only whitespace', () => {
    const file = join(dir, 'blank');
    writeFileSync(file, '\n\n');
    expect(() => loadAgentConfig([], { VILICUS_TOKEN_FILE: file })).toThrow('the agent needs its token');
  });

  it.each<[string, string[], Record<string, string>, string]>([
    // a queue must hold something
    ['a queue size of 0', [], { VILICUS_AGENT_QUEUE: '0' }, 'VILICUS_AGENT_QUEUE: "0" is not a positive whole number'],
    // not a URL at all
    ['a server that is not a URL', ['--server', 'mon 8080'], {}, '--server: "mon 8080" is not a URL'],
    // host:port without a scheme parses as a URL with scheme "mon:", and fetch can never reach it
    [
      'a server without http:// or https://',
      ['--server', 'mon:8080'],
      {},
      '--server: "mon:8080" must start with http:// or https://',
    ],
    // a relative host root would depend on the agent's working directory
    ['a relative host root', ['--host-root', 'host'], {}, '--host-root: "host" is not an absolute path'],
    // levels are a closed list
    ['an unknown log level', [], { VILICUS_LOG_LEVEL: 'chatty' }, 'VILICUS_LOG_LEVEL: "chatty" is not one of'],
    // flags the agent does not have
    ['an unknown flag', ['--port', '80'], {}, "arguments: Unknown option '--port'"],
  ])('throws naming the setting for %s', (_name, argv, env, message) => {
    const load = (): unknown => loadAgentConfig(argv, { ...TOKEN, ...env });
    expect(load).toThrow(SettingError);
    expect(load).toThrow(message);
  });

  it('returns a frozen config', () => {
    expect(Object.isFrozen(loadAgentConfig([], TOKEN))).toBe(true);
  });
});

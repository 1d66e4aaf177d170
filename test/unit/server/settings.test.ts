import { describe, expect, it } from 'vitest';
import { parse, parseFlags, resolveSettings, SettingError, type Setting } from '../../../contract/settings.ts';

// A small table of its own, so the engine is tested apart from the real settings.
const table = {
  port: { flag: 'port', env: ['APP_PORT'], default: 80, parse: parse.port, help: 'port' } as Setting<number>,
  url: {
    flag: 'url',
    env: ['PRIMARY_URL', 'FALLBACK_URL'],
    default: undefined,
    parse: parse.urlWith('http:', 'https:'),
    help: 'url',
  } as Setting<string>,
};

describe('resolveSettings', () => {
  it.each<
    [string, Record<string, unknown>, Record<string, string | undefined>, { port: number; url: string | undefined }]
  >([
    // nothing given: defaults
    ['uses defaults when neither flag nor env is set', {}, {}, { port: 80, url: undefined }],
    // env over default
    ['uses env over the default', {}, { APP_PORT: '81' }, { port: 81, url: undefined }],
    // flag over env
    ['uses the flag over env', { port: '82' }, { APP_PORT: '81' }, { port: 82, url: undefined }],
    // an empty env variable counts as unset
    ['treats an empty env variable as unset', {}, { APP_PORT: '' }, { port: 80, url: undefined }],
    // the first env name listed wins
    [
      'uses the first env name that is set',
      {},
      { PRIMARY_URL: 'http://a/', FALLBACK_URL: 'http://b/' },
      { port: 80, url: 'http://a/' },
    ],
    // the second name when the first is unset
    ['falls back to the next env name', {}, { FALLBACK_URL: 'http://b/' }, { port: 80, url: 'http://b/' }],
    // the second name when the first is empty
    [
      'skips an empty first env name',
      {},
      { PRIMARY_URL: '', FALLBACK_URL: 'http://b/' },
      { port: 80, url: 'http://b/' },
    ],
    // a flag that is not a string (parseArgs only gives strings) is ignored
    ['ignores a non-string flag value', { port: true }, { APP_PORT: '81' }, { port: 81, url: undefined }],
  ])('%s', (_name, flags, env, expected) => {
    expect(resolveSettings(table, flags, env)).toEqual(expected);
  });

  it.each<[string, Record<string, unknown>, Record<string, string | undefined>, string]>([
    // a bad env value names the env variable
    ['names the env variable for a bad env value', {}, { APP_PORT: 'abc' }, 'APP_PORT: "abc" is not a port (0-65535)'],
    // a bad flag names the flag, even with a good env value under it
    [
      'names the flag for a bad flag value',
      { port: '99999' },
      { APP_PORT: '81' },
      '--port: "99999" is not a port (0-65535)',
    ],
    // a bad value under the second env name names that one
    ['names the env name that held the bad value', {}, { FALLBACK_URL: 'nope' }, 'FALLBACK_URL: "nope" is not a URL'],
  ])('%s', (_name, flags, env, message) => {
    const attempt = (): unknown => resolveSettings(table, flags, env);
    expect(attempt).toThrow(SettingError);
    expect(attempt).toThrow(message);
  });

  it('does not parse an env value the flag overrides', () => {
    expect(resolveSettings(table, { port: '82' }, { APP_PORT: 'abc' }).port).toBe(82);
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(resolveSettings(table, {}, {}))).toBe(true);
  });

  it('records the setting at fault on the error', () => {
    try {
      resolveSettings(table, {}, { APP_PORT: 'abc' });
      expect.fail('no error thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(SettingError);
      expect((error as SettingError).setting).toBe('APP_PORT');
    }
  });
});

describe('parseFlags', () => {
  it('reads --flag value and --flag=value', () => {
    expect({ ...parseFlags(table, ['--port', '81', '--url=http://a/']) }).toEqual({ port: '81', url: 'http://a/' });
  });

  it.each<[string, string[], RegExp]>([
    // a flag no setting has
    ['an unknown flag', ['--nope', 'x'], /^arguments: Unknown option '--nope'/],
    // positional arguments are not taken
    ['a positional argument', ['serve'], /^arguments: Unexpected argument 'serve'/],
    // a flag without its value
    ['a flag without a value', ['--port'], /^arguments: Option '--port <value>' argument missing/],
  ])('throws a SettingError for %s', (_name, argv, message) => {
    expect(() => parseFlags(table, argv)).toThrow(SettingError);
    expect(() => parseFlags(table, argv)).toThrow(message);
  });
});

describe('parse', () => {
  it.each<[string, number]>([
    ['0', 0],
    ['8080', 8080],
    ['65535', 65535],
  ])('port reads %j as %i', (raw, port) => {
    expect(parse.port(raw)).toBe(port);
  });

  it.each([
    // not a number
    ['abc'],
    // above the range
    ['65536'],
    // negative
    ['-1'],
    // not whole
    ['80.5'],
    // empty: would silently become port 0 (a random port)
    [''],
    // blank: would also become port 0
    [' '],
  ])('port refuses %j', (raw) => {
    expect(() => parse.port(raw)).toThrow(`"${raw}" is not a port (0-65535)`);
  });

  it.each([['0'], ['-3'], ['2.5'], ['many'], ['']])('positiveInt refuses %j', (raw) => {
    expect(() => parse.positiveInt(raw)).toThrow(`"${raw}" is not a positive whole number`);
  });

  it('positiveInt reads a whole number', () => {
    expect(parse.positiveInt('12')).toBe(12);
  });

  it.each([['not a url'], ['/relative'], ['']])('urlWith refuses %j as not a URL', (raw) => {
    expect(() => parse.urlWith('http:')(raw)).toThrow(`"${raw}" is not a URL`);
  });

  it.each([
    ['mon:8080', 'http:'], // a host:port parses as a URL with scheme "mon:"
    ['ftp://x', 'http:'], // a real URL of the wrong kind
    ['db:5432', 'postgres:'], // a DATABASE_URL without its scheme
  ])('urlWith refuses %j for want of %s', (raw, protocol) => {
    expect(() => parse.urlWith(protocol)(raw)).toThrow(`must start with ${protocol}//`);
  });

  it('urlWith accepts any of its schemes', () => {
    expect(parse.urlWith('postgres:', 'postgresql:')('postgresql://u@h/db')).toBe('postgresql://u@h/db');
  });

  it('oneOf accepts a listed value and names the choices otherwise', () => {
    const level = parse.oneOf('info', 'debug');
    expect(level('debug')).toBe('debug');
    expect(() => level('loud')).toThrow('"loud" is not one of info, debug');
  });
});

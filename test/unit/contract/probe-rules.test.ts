// The rules of the network and host probe kinds, and `agents`, beyond what the schema says.
import { describe, expect, it } from 'vitest';
import type { CheckSpec } from '../../../contract/index.ts';
import { normalizeSpec, probeWithDefaults, specProblems } from '../../../contract/check-rules.ts';

describe('specProblems for the network and host kinds', () => {
  it.each<[string, CheckSpec]>([
    // the smallest of each kind
    ['a tcp check', { tcp: { host: 'db.internal', port: 5432 } }],
    ['an http check', { http: { url: 'https://example.com/healthz' } }],
    ['a memory check', { memory: { above: 90 } }],
    ['a disk check', { disk: { path: '/', above: 90 } }],
    ['a load check', { load: { above: 2 } }],
    // every option, in order
    [
      'a tcp check with timeout and latency limits',
      { tcp: { host: '::1', port: 22, timeout: '2s', warnAboveMs: 50, critAboveMs: 200 } },
    ],
    [
      'an http check with every option',
      {
        http: {
          url: 'http://127.0.0.1:8080/readyz?full=1',
          method: 'POST',
          expectStatus: [200, 204],
          bodyContains: 'ok',
          timeout: '60s',
          insecureSkipVerify: true,
          certWarnDays: 30,
          certCritDays: 30,
          warnAboveMs: 100,
          critAboveMs: 1000,
        },
      },
    ],
    ['a memory check with a warning and a window', { memory: { above: 95, warnAbove: 85, for: '10m' } }],
    ['a disk check with a warning', { disk: { path: '/var/lib/postgresql', above: 90, warnAbove: 80 } }],
    ['a load check per total over 15m', { load: { above: 8, warnAbove: 4, per: 'total', average: '15m', for: '5m' } }],
    // a certificate may be watched for expiry only
    [
      'an http check with certificate warnings off',
      { http: { url: 'https://a.example', certWarnDays: 0, certCritDays: 0 } },
    ],
    // one agent of all
    ['agents: any', { http: { url: 'https://example.com' }, agents: 'any' }],
    ['agents: all', { tcp: { host: 'a', port: 1 }, agents: 'all' }],
  ])('finds no problem in %s', (_name, spec) => {
    expect(specProblems(spec)).toEqual([]);
  });

  it.each<[string, CheckSpec, string[]]>([
    // a timeout of nothing
    ['a zero timeout', { tcp: { host: 'a', port: 1, timeout: '0s' } }, ['/spec/tcp/timeout']],
    // past the cap
    ['a timeout above 60s', { http: { url: 'http://a', timeout: '61s' } }, ['/spec/http/timeout']],
    // latency limits the wrong way round
    [
      'warnAboveMs not below critAboveMs',
      { tcp: { host: 'a', port: 1, warnAboveMs: 500, critAboveMs: 500 } },
      ['/spec/tcp/warnAboveMs'],
    ],
    // the schema's pattern is only a prefix check
    ['a URL that does not parse', { http: { url: 'http://' } }, ['/spec/http/url']],
    // a password would be stored and shown in plain text
    ['credentials in the URL', { http: { url: 'https://user:secret@example.com/' } }, ['/spec/http/url']],
    // HEAD has no body
    [
      'bodyContains with HEAD',
      { http: { url: 'http://a', method: 'HEAD', bodyContains: 'x' } },
      ['/spec/http/bodyContains'],
    ],
    // warning would come after critical
    ['certWarnDays below certCritDays', { http: { url: 'https://a', certWarnDays: 3 } }, ['/spec/http/certWarnDays']],
    // the same rule as cpu, for each threshold kind
    ['memory warnAbove not below above', { memory: { above: 80, warnAbove: 80 } }, ['/spec/memory/warnAbove']],
    ['disk warnAbove above above', { disk: { path: '/', above: 80, warnAbove: 95 } }, ['/spec/disk/warnAbove']],
    ['load warnAbove above above', { load: { above: 1, warnAbove: 2 } }, ['/spec/load/warnAbove']],
    // windows must parse
    ['a memory window that is not a duration', { memory: { above: 90, for: 'long' } }, ['/spec/memory/for']],
    ['a load window that is not a duration', { load: { above: 2, for: 'long' } }, ['/spec/load/for']],
    // two kinds
    ['tcp and http together', { tcp: { host: 'a', port: 1 }, http: { url: 'http://a' } }, ['/spec']],
  ])('reports %s', (_name, spec, fields) => {
    expect(specProblems(spec).map((p) => p.field)).toEqual(fields);
  });
});

describe('defaults and windows of the new kinds', () => {
  it.each<[string, CheckSpec, unknown]>([
    // timeout 5s unless set
    ['tcp', { tcp: { host: 'a', port: 1 } }, { host: 'a', port: 1, timeout: '5s' }],
    // GET, 5s, verify, 14/7 days
    [
      'http',
      { http: { url: 'https://a' } },
      { url: 'https://a', method: 'GET', timeout: '5s', insecureSkipVerify: false, certWarnDays: 14, certCritDays: 7 },
    ],
    // an explicit value wins over its default
    ['http with a method', { http: { url: 'http://a', method: 'HEAD' } }, expect.objectContaining({ method: 'HEAD' })],
    // per core over 5 minutes
    ['load', { load: { above: 2 } }, { above: 2, per: 'core', average: '5m' }],
    // nothing to fill in
    ['memory', { memory: { above: 90 } }, { above: 90 }],
    ['disk', { disk: { path: '/', above: 90 } }, { path: '/', above: 90 }],
  ])('fills in the defaults of %s for the agent', (_name, spec, expected) => {
    expect(probeWithDefaults(spec, normalizeSpec(spec).kind)).toEqual(expected);
  });

  it.each<[string, CheckSpec, number]>([
    // sustained windows where the kind has one
    ['memory for 10m', { memory: { above: 90, for: '10m' } }, 600_000],
    ['load for 1m30s', { load: { above: 2, for: '1m30s' } }, 90_000],
    // none where it has none
    ['disk', { disk: { path: '/', above: 90 } }, 0],
    ['tcp', { tcp: { host: 'a', port: 1 } }, 0],
    ['http', { http: { url: 'http://a' } }, 0],
  ])('gives %s its window', (_name, spec, sustainMs) => {
    expect(normalizeSpec(spec).sustainMs).toBe(sustainMs);
  });
});

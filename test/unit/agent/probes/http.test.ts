import type { PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import type { HttpProbe } from '../../../../contract/index.ts';
import {
  certFinding,
  createHttpProbe,
  daysLeft,
  httpVerdict,
  type HttpObservation,
} from '../../../../agent/probes/http.ts';
import { createCycle } from '../../../../agent/probes/probe.ts';
import { checkOf } from './fixtures.ts';

const seen = (extra: Partial<HttpObservation> = {}): HttpObservation => ({
  statusCode: 200,
  ms: 42,
  bodyFound: null,
  certDaysLeft: null,
  ...extra,
});
const spec = (extra: Partial<HttpProbe> = {}): HttpProbe => ({ url: 'https://example.com/', ...extra });

describe('httpVerdict', () => {
  it.each<[string, HttpObservation, HttpProbe, string, string]>([
    // the default expectation: 2xx or 3xx
    ['200', seen(), spec(), 'OK', 'HTTP 200 in 42 ms'],
    ['a redirect (not followed)', seen({ statusCode: 302 }), spec(), 'OK', 'HTTP 302 in 42 ms'],
    ['a 404', seen({ statusCode: 404 }), spec(), 'CRITICAL', 'HTTP 404 in 42 ms; want 2xx or 3xx'],
    ['a 503', seen({ statusCode: 503 }), spec(), 'CRITICAL', 'HTTP 503 in 42 ms; want 2xx or 3xx'],
    // an explicit list replaces the default
    ['a listed 401', seen({ statusCode: 401 }), spec({ expectStatus: [401] }), 'OK', 'HTTP 401 in 42 ms'],
    ['an unlisted 200', seen(), spec({ expectStatus: [204, 301] }), 'CRITICAL', 'HTTP 200 in 42 ms; want 204 or 301'],
    // body text
    ['the body holds the text', seen({ bodyFound: true }), spec({ bodyContains: 'ok' }), 'OK', 'HTTP 200 in 42 ms'],
    [
      'the body lacks the text',
      seen({ bodyFound: false }),
      spec({ bodyContains: '"status":"up"' }),
      'CRITICAL',
      'HTTP 200 in 42 ms; body does not contain "\\"status\\":\\"up\\"" (first 1 MiB)',
    ],
    // latency limits
    [
      'slow',
      seen({ ms: 800 }),
      spec({ warnAboveMs: 500 }),
      'WARNING',
      'HTTP 200 in 800 ms; slower than 500 ms (warning)',
    ],
    // every problem is told, the worst decides
    [
      'a 500, slow, and a certificate about to expire',
      seen({ statusCode: 500, ms: 800, certDaysLeft: 10 }),
      spec({ warnAboveMs: 500 }),
      'CRITICAL',
      'HTTP 500 in 800 ms; want 2xx or 3xx; certificate expires in 10.0 days (warning under 14); slower than 500 ms (warning)',
    ],
  ])('%s', (_name, observation, s, status, message) => {
    expect(httpVerdict(observation, s)).toEqual({ status, message });
  });
});

describe('certFinding', () => {
  it.each<[string, number | null, Partial<HttpProbe>, string | null, string | null]>([
    // plain http has no certificate
    ['no certificate', null, {}, null, null],
    // plenty of time
    ['90 days', 90.5, {}, 'OK', 'certificate valid for 90 more days'],
    // under the defaults: 14 days warning, 7 critical
    ['13.5 days', 13.5, {}, 'WARNING', 'certificate expires in 13.5 days (warning under 14)'],
    ['exactly 14 days', 14, {}, 'OK', 'certificate valid for 14 more days'],
    ['2.9 days', 2.9, {}, 'CRITICAL', 'certificate expires in 2.9 days (critical under 7)'],
    // expired (only seen with insecureSkipVerify; otherwise the handshake fails)
    ['expired', -1.25, {}, 'CRITICAL', 'certificate expired 1.3 days ago'],
    // limits from the spec
    [
      'own limits',
      20,
      { certWarnDays: 30, certCritDays: 21 },
      'CRITICAL',
      'certificate expires in 20.0 days (critical under 21)',
    ],
    // 0 turns the warnings off, but an expired certificate is still critical
    ['limits off', 0.5, { certWarnDays: 0, certCritDays: 0 }, 'OK', 'certificate valid for 0 more days'],
  ])('%s', (_name, days, extra, status, text) => {
    const finding = certFinding(days, spec(extra));
    expect(finding === null ? [null, null] : [finding.status, finding.text]).toEqual([status, text]);
  });
});

describe('daysLeft', () => {
  const now = Date.parse('2026-03-01T00:00:00Z');
  it.each<[string, Partial<PeerCertificate> | undefined, number | null]>([
    // the format OpenSSL prints
    ['three days', { valid_to: 'Mar  4 00:00:00 2026 GMT' }, 3],
    ['expired a day ago', { valid_to: 'Feb 28 00:00:00 2026 GMT' }, -1],
    // no certificate, or an empty object from getPeerCertificate()
    ['none', undefined, null],
    ['empty', {}, null],
  ])('%s', (_name, certificate, expected) => {
    expect(daysLeft(certificate as PeerCertificate | undefined, now)).toBe(expected);
  });
});

describe('http probe', () => {
  it('reports the response time as its value', async () => {
    const probe = createHttpProbe(() => Promise.resolve(seen({ ms: 12.345 })));
    expect(await probe.run(checkOf('http', spec()), createCycle())).toEqual({
      status: 'OK',
      value: 12.3,
      message: 'HTTP 200 in 12 ms',
    });
  });

  it('gives up at the timeout', async () => {
    const probe = createHttpProbe(() => new Promise<HttpObservation>(() => undefined));
    expect(await probe.run(checkOf('http', spec({ timeout: '30ms' })), createCycle())).toEqual({
      status: 'CRITICAL',
      value: null,
      message: 'GET https://example.com/: no answer within 30ms',
    });
  });
});

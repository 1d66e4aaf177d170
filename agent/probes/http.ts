// The `http` probe: one request, no redirects followed, a fresh connection
// each time (so the time includes connect and TLS, and the certificate is the
// one served now). node:http(s) rather than fetch: fetch can neither skip
// verification per request nor show the peer certificate.
//
// node:http(s) through process.getBuiltinModule rather than `import`, and
// node:https only for an https:// URL: see agent/client.ts (resident memory).
import type { IncomingMessage } from 'node:http';
import type { RequestOptions } from 'node:https';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { HttpProbe } from '../../contract/index.ts';
import { parseDuration } from '../../contract/duration.ts';
import { describeNetworkError, monotonicMs, withDeadline } from './deadline.ts';
import type { CheckOfKind, Probe, ProbeOutcome } from './probe.ts';
import { formatMs, latencyFinding, roundTo, verdictOf, type Finding, type Verdict } from './verdict.ts';

export type HttpCheck = CheckOfKind<'http'>;

export interface HttpObservation {
  statusCode: number;
  /** From sending the request to the last byte read. */
  ms: number;
  /** Whether the body held `bodyContains`; null when the check does not ask. */
  bodyFound: boolean | null;
  /** Days until the certificate expires (negative: expired); null for http://. */
  certDaysLeft: number | null;
}

/** How much of a body is searched for `bodyContains`: a health page, not a download. */
export const BODY_LIMIT = 1024 * 1024;
const DAY_MS = 86_400_000;

function statusFinding(code: number, expected: readonly number[] | undefined): Finding | null {
  if (expected === undefined) return code >= 200 && code < 400 ? null : { status: 'CRITICAL', text: 'want 2xx or 3xx' };
  return expected.includes(code) ? null : { status: 'CRITICAL', text: `want ${expected.join(' or ')}` };
}

function bodyFinding(found: boolean | null, text: string | undefined): Finding | null {
  if (found !== false) return null;
  const limit = `first ${BODY_LIMIT / 1024 / 1024} MiB`;
  return { status: 'CRITICAL', text: `body does not contain ${JSON.stringify(text)} (${limit})` };
}

export function certFinding(daysLeft: number | null, spec: HttpProbe): Finding | null {
  if (daysLeft === null) return null;
  const days = daysLeft.toFixed(1);
  if (daysLeft < 0) return { status: 'CRITICAL', text: `certificate expired ${(-daysLeft).toFixed(1)} days ago` };
  const crit = spec.certCritDays ?? 7;
  const warn = spec.certWarnDays ?? 14;
  if (daysLeft < crit)
    return { status: 'CRITICAL', text: `certificate expires in ${days} days (critical under ${crit})` };
  if (daysLeft < warn)
    return { status: 'WARNING', text: `certificate expires in ${days} days (warning under ${warn})` };
  return { status: 'OK', text: `certificate valid for ${Math.floor(daysLeft)} more days` };
}

export function httpVerdict(seen: HttpObservation, spec: HttpProbe): Verdict {
  return verdictOf(`HTTP ${seen.statusCode} in ${formatMs(seen.ms)}`, [
    statusFinding(seen.statusCode, spec.expectStatus),
    bodyFinding(seen.bodyFound, spec.bodyContains),
    certFinding(seen.certDaysLeft, spec),
    latencyFinding(seen.ms, spec),
  ]);
}

export function daysLeft(certificate: PeerCertificate | undefined, now: number): number | null {
  const validTo = certificate?.valid_to ? Date.parse(certificate.valid_to) : NaN;
  return Number.isNaN(validTo) ? null : (validTo - now) / DAY_MS;
}

/** Reads until `needle` shows up (true), the body ends or BODY_LIMIT is reached (false); null without a needle. */
function searchBody(response: IncomingMessage, needle: string | undefined): Promise<boolean | null> {
  return new Promise((resolve, reject) => {
    response.once('error', reject);
    if (needle === undefined) {
      response.once('end', () => resolve(null)).resume();
      return;
    }
    const wanted = Buffer.from(needle);
    let tail = Buffer.alloc(0); // the end of the previous chunk, for a needle split across chunks
    let read = 0;
    const finish = (found: boolean): void => {
      response.destroy();
      resolve(found);
    };
    response.on('data', (chunk: Buffer) => {
      read += chunk.length;
      const window = Buffer.concat([tail, chunk]);
      if (window.includes(wanted)) return finish(true);
      if (read >= BODY_LIMIT) return finish(false);
      tail = window.subarray(Math.max(0, window.length - wanted.length + 1));
    });
    response.once('end', () => resolve(false));
  });
}

export type Requester = (spec: HttpProbe, signal: AbortSignal) => Promise<HttpObservation>;

export const requestHttp: Requester = (spec, signal) =>
  new Promise((resolve, reject) => {
    const url = new URL(spec.url);
    const secure = url.protocol === 'https:';
    const started = monotonicMs();
    const options: RequestOptions = {
      method: spec.method ?? 'GET',
      signal,
      agent: false,
      headers: { 'user-agent': 'vilicus-agent', accept: '*/*' },
      rejectUnauthorized: !(spec.insecureSkipVerify ?? false),
    };
    const request = process.getBuiltinModule(secure ? 'node:https' : 'node:http').request(url, options, (response) => {
      const certificate = secure ? (response.socket as TLSSocket).getPeerCertificate() : undefined;
      const certDaysLeft = secure ? daysLeft(certificate, Date.now()) : null;
      searchBody(response, spec.bodyContains).then((bodyFound) => {
        const ms = monotonicMs() - started;
        resolve({ statusCode: response.statusCode ?? 0, ms, bodyFound, certDaysLeft });
      }, reject);
    });
    request.once('error', reject);
    request.end();
  });

export function createHttpProbe(send: Requester = requestHttp): Probe<HttpCheck> {
  return {
    kind: 'http',
    async run(check: HttpCheck): Promise<ProbeOutcome> {
      const spec = check.http;
      const timeoutMs = parseDuration(spec.timeout ?? '5s') ?? 5000;
      try {
        const seen = await withDeadline(timeoutMs, (signal) => send(spec, signal));
        return { ...httpVerdict(seen, spec), value: roundTo(seen.ms, 1) };
      } catch (error) {
        const message = `${spec.method ?? 'GET'} ${spec.url}: ${describeNetworkError(error)}`;
        return { status: 'CRITICAL', value: null, message };
      }
    },
  };
}

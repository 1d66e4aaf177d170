// `http`: does a URL answer as expected, how fast, and (https) how long its certificate has left.
import Type from 'typebox';
import { storablePattern, Text } from '../text.ts';
import { agentCheckOf, defineProbe, type SpecProblem } from './definition.ts';
import { DEFAULT_TIMEOUT, LATENCY_CEL, LatencyFields, networkProblems, Timeout } from './thresholds.ts';

const days = (fallback: number, description: string): ReturnType<typeof Type.Integer> =>
  Type.Integer({ minimum: 0, maximum: 3650, default: fallback, description });

export const HttpProbe = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      pattern: storablePattern('https?://'),
      description: 'An http:// or https:// URL',
    }),
    method: Type.Optional(
      Type.Union(
        [
          Type.Literal('GET'),
          Type.Literal('HEAD'),
          Type.Literal('POST'),
          Type.Literal('PUT'),
          Type.Literal('PATCH'),
          Type.Literal('DELETE'),
          Type.Literal('OPTIONS'),
        ],
        { default: 'GET', description: 'Sent without a body' },
      ),
    ),
    expectStatus: Type.Optional(
      Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), {
        minItems: 1,
        maxItems: 50,
        description: 'The status codes that count as up; default any 2xx or 3xx (redirects are not followed)',
      }),
    ),
    bodyContains: Type.Optional(
      Text({ minLength: 1, maxLength: 1024, description: 'Text the body must contain (first 1 MiB)' }),
    ),
    timeout: Type.Optional(Timeout),
    insecureSkipVerify: Type.Optional(
      Type.Boolean({ default: false, description: 'Accept a certificate the agent cannot verify' }),
    ),
    certWarnDays: Type.Optional(days(14, 'https: WARNING when the certificate has fewer days left')),
    certCritDays: Type.Optional(days(7, 'https: CRITICAL when the certificate has fewer days left')),
    ...LatencyFields,
  },
  { additionalProperties: false },
);
export type HttpProbe = Type.Static<typeof HttpProbe>;
export const HttpCheck = agentCheckOf('http', HttpProbe);

function urlProblems(text: string, at: string): SpecProblem[] {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [{ field: `${at}/url`, message: 'url must be an absolute http:// or https:// URL' }];
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return [{ field: `${at}/url`, message: 'url must start with http:// or https://' }];
  }
  if (url.username || url.password) {
    // A check is stored and shown in plain text (API, CRD, dashboard): no place for a password.
    return [{ field: `${at}/url`, message: 'url must not carry credentials' }];
  }
  return [];
}

export const httpProbe = defineProbe({
  kind: 'http',
  schema: HttpProbe,
  agentCheck: HttpCheck,
  summary:
    'an HTTP(S) request: status, body text and certificate days left; value = response time in ms; WARNING/CRITICAL above warnAboveMs/critAboveMs',
  cel: LATENCY_CEL,
  problems(spec, at) {
    const problems = [...urlProblems(spec.url, at), ...networkProblems(spec, at)];
    if (spec.bodyContains !== undefined && spec.method === 'HEAD') {
      problems.push({ field: `${at}/bodyContains`, message: 'a HEAD request has no body to search' });
    }
    if ((spec.certWarnDays ?? 14) < (spec.certCritDays ?? 7)) {
      problems.push({ field: `${at}/certWarnDays`, message: 'certWarnDays must not be below certCritDays' });
    }
    return problems;
  },
  withDefaults: (spec) => ({
    method: 'GET' as const,
    timeout: DEFAULT_TIMEOUT,
    insecureSkipVerify: false,
    certWarnDays: 14,
    certCritDays: 7,
    ...spec,
  }),
  sustainMs: () => 0,
});

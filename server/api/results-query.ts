// The query of GET /api/v1/checks/{name}/results: a time range (RFC 3339),
// an agent, a page size and the cursor of the page before. Checked here, so
// each fault is a catalogue error naming its field.
import Type from 'typebox';
import { Namespace, Text } from '../../contract/index.ts';
import type { Position } from '../db/history/read.ts';
import type { ResultsQuery } from '../db/checks.repository.ts';
import { ApiError, errors } from '../errors.ts';

export const MAX_RESULTS_PAGE = 1000;
const DEFAULT_PAGE = 100;
/** No `to`: everything up to now and the minute a clock ahead may claim. */
const AHEAD_MS = 60_000;

export const ResultsQuerystring = Type.Object(
  {
    namespace: Type.Optional(Namespace),
    agent: Type.Optional(Text({ maxLength: 253 })),
    from: Type.Optional(Type.String({ maxLength: 40, description: 'RFC 3339; default: the oldest kept' })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'RFC 3339, exclusive; default: now' })),
    limit: Type.Optional(Type.String({ maxLength: 5, description: `1-${MAX_RESULTS_PAGE}, default ${DEFAULT_PAGE}` })),
    cursor: Type.Optional(Type.String({ maxLength: 80, description: 'The cursor of the page before' })),
  },
  { additionalProperties: false },
);
export type ResultsQuerystring = Type.Static<typeof ResultsQuerystring>;

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function time(text: string | undefined, field: string, fallback: Date): Date {
  if (text === undefined) return fallback;
  const at = RFC3339.test(text) ? new Date(text) : new Date(NaN);
  if (Number.isNaN(at.getTime()))
    throw new ApiError(errors.validation, `${field}: "${text}" is not an RFC 3339 time`, `querystring/${field}`);
  return at;
}

export function encodeCursor(p: Position): string {
  return Buffer.from(`${p.t}.${p.agentId}`).toString('base64url');
}

function decodeCursor(text: string): Position {
  const [t, agentId] = Buffer.from(text, 'base64url').toString('utf8').split('.');
  if (!/^\d{1,16}$/.test(t ?? '') || !/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/.test(agentId ?? ''))
    throw new ApiError(errors.validation, 'cursor: not a cursor this server gave out', 'querystring/cursor');
  return { t: Number(t), agentId: agentId! };
}

export function parseResultsQuery(q: ResultsQuerystring, now: Date): ResultsQuery & { namespace?: string } {
  const limit = q.limit === undefined ? DEFAULT_PAGE : /^[0-9]{1,4}$/.test(q.limit) ? Number(q.limit) : NaN;
  if (!(limit >= 1 && limit <= MAX_RESULTS_PAGE))
    throw new ApiError(
      errors.validation,
      `limit: give 1 to ${MAX_RESULTS_PAGE}, not "${q.limit}"`,
      'querystring/limit',
    );
  const from = time(q.from, 'from', new Date(0));
  const to = time(q.to, 'to', new Date(now.getTime() + AHEAD_MS));
  if (from.getTime() >= to.getTime())
    throw new ApiError(errors.validation, 'from: must be before to', 'querystring/from');
  return {
    ...(q.namespace === undefined ? {} : { namespace: q.namespace }),
    agent: q.agent,
    from,
    to,
    limit,
    after: q.cursor === undefined ? null : decodeCursor(q.cursor),
  };
}

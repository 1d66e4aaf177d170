// Silences, the notification log and the open problems (admin token).
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { AlertView, ErrorReply, NotificationView, SilenceCreate, SilenceView } from '../../../contract/index.ts';
import { parseDuration } from '../../../contract/duration.ts';
import { listOpenProblems } from '../../db/alert-sweeps.repository.ts';
import { listNotifications } from '../../db/outbox.repository.ts';
import { SilencesRepository, type SilenceRow } from '../../db/silences.repository.ts';
import { silenceMatches } from '../../domain/alerts.ts';
import { ApiError, errors } from '../../errors.ts';
import type { AppDeps } from '../deps.ts';

const admin = { security: [{ adminToken: [] }], tags: ['alerts'] };
const failures = { 400: ErrorReply, 401: ErrorReply, 404: ErrorReply, 503: ErrorReply };

function silenceView(s: SilenceRow, now: Date): SilenceView {
  return {
    id: s.id,
    matchers: s.matchers,
    startsAt: s.startsAt.toISOString(),
    endsAt: s.endsAt.toISOString(),
    comment: s.comment,
    createdBy: s.createdBy,
    createdAt: s.createdAt.toISOString(),
    active: s.startsAt <= now && now < s.endsAt,
  };
}

// Years before 1970 come back from the database as no date at all (year 0 is "BC") or a
// wrong one (year 1 as 2001), and past 9999 there is no date-time to answer with.
const inRange = (d: Date): boolean => d.getTime() >= 0 && d.getTime() <= Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** startsAt defaults to now; the end comes from endsAt or duration, and must follow the start. */
function window(body: SilenceCreate, now: Date): { startsAt: Date; endsAt: Date } {
  const startsAt = body.startsAt ? new Date(body.startsAt) : now;
  const durationMs = body.duration ? parseDuration(body.duration) : null;
  if (body.endsAt && durationMs !== null)
    throw new ApiError(errors.validation, 'give endsAt or duration, not both', 'body/duration');
  const endsAt = body.endsAt
    ? new Date(body.endsAt)
    : durationMs !== null
      ? new Date(startsAt.getTime() + durationMs)
      : null;
  if (!endsAt) throw new ApiError(errors.validation, 'a silence needs endsAt or duration', 'body/endsAt');
  // A leap second (23:59:60) reads as no time at all, which is out of range too.
  if (!inRange(startsAt))
    throw new ApiError(errors.validation, 'startsAt is out of range (1970-9999)', 'body/startsAt');
  if (!inRange(endsAt)) throw new ApiError(errors.validation, 'endsAt is out of range (1970-9999)', 'body/endsAt');
  if (endsAt <= startsAt) throw new ApiError(errors.validation, 'endsAt must be after startsAt', 'body/endsAt');
  return { startsAt, endsAt };
}

export function alertRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post(
    '/api/v1/silences',
    {
      schema: {
        ...admin,
        summary: 'Silence matching alerts for a while',
        body: SilenceCreate,
        response: { 201: SilenceView, ...failures },
      },
    },
    async (request, reply) => {
      deps.auth.requireAdmin(request);
      const body = request.body as SilenceCreate;
      const now = deps.now();
      const repo = new SilencesRepository(deps.orm.em.fork());
      const created = await repo.create(
        { ...window(body, now), matchers: body.matchers, comment: body.comment, createdBy: body.createdBy ?? 'admin' },
        now,
      );
      return reply.status(201).send(silenceView(created, now));
    },
  );

  app.get(
    '/api/v1/silences',
    {
      schema: {
        ...admin,
        summary: 'Active and future silences (?all=true: expired ones too)',
        querystring: Type.Object(
          { all: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(SilenceView) }), ...failures },
      },
    },
    async (request) => {
      deps.auth.requireAdmin(request);
      const now = deps.now();
      const all = (request.query as { all?: string }).all === 'true';
      return {
        items: (await new SilencesRepository(deps.orm.em.fork()).list(now, all)).map((s) => silenceView(s, now)),
      };
    },
  );

  app.delete(
    '/api/v1/silences/:id',
    {
      schema: {
        ...admin,
        summary: 'Expire a silence now',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 200: SilenceView, ...failures },
      },
    },
    async (request) => {
      deps.auth.requireAdmin(request);
      const now = deps.now();
      const expired = await new SilencesRepository(deps.orm.em.fork()).expire(
        (request.params as { id: string }).id,
        now,
      );
      if (!expired) throw new ApiError(errors.notFound, 'no active silence with that id', 'params/id');
      return silenceView(expired, now);
    },
  );

  app.get(
    '/api/v1/notifications',
    {
      schema: {
        ...admin,
        summary: 'The newest notifications with their delivery state, attempts and last error',
        querystring: Type.Object(
          {
            state: Type.Optional(
              Type.Union(
                ['pending', 'sending', 'sent', 'failed', 'silenced', 'skipped', 'dropped'].map((s) => Type.Literal(s)),
              ),
            ),
            channel: Type.Optional(
              Type.String({ maxLength: 2100, description: 'email, alertmanager:<url> or webhook:<name>' }),
            ),
            limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(NotificationView) }), ...failures },
      },
    },
    async (request) => {
      deps.auth.requireAdmin(request);
      const q = request.query as { state?: string; channel?: string; limit?: string };
      const rows = await listNotifications(
        deps.orm.em.fork(),
        { state: q.state, channel: q.channel },
        Math.min(1000, Math.max(1, Number(q.limit ?? 100))),
      );
      const iso = (d: string | null): string | null => (d === null ? null : new Date(d).toISOString());
      return { items: rows.map((r) => ({ ...r, at: iso(r.at)!, sentAt: iso(r.sentAt) })) };
    },
  );

  app.get(
    '/api/v1/alerts',
    {
      schema: {
        ...admin,
        summary: 'Open problems (WARNING or CRITICAL), worst first',
        response: { 200: Type.Object({ items: Type.Array(AlertView) }), ...failures },
      },
    },
    async (request) => {
      deps.auth.requireAdmin(request);
      const now = deps.now();
      const em = deps.orm.em.fork();
      const [problems, silences] = await Promise.all([
        listOpenProblems(em),
        new SilencesRepository(em).list(now, false),
      ]);
      return {
        items: problems.map((p) => ({
          check: p.check,
          namespace: p.namespace,
          agent: p.agent,
          status: p.status,
          since: p.since.toISOString(),
          value: p.value,
          message: p.message,
          flapping: p.flapping,
          silenced: silences.some((s) =>
            silenceMatches(s, { check: p.check, namespace: p.namespace, agent: p.agent, labels: p.labels }, now),
          ),
        })),
      };
    },
  );
}

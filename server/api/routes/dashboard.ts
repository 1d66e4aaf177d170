// The dashboard's reads: one document per view. They need the admin token
// unless VILICUS_DASHBOARD_PUBLIC opens them; writes always need it.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { CheckName, ErrorReply, Namespace, Text } from '../../../contract/index.ts';
import { CpuHistory, HoursQuery, Overview, Timeline } from '../../../contract/dashboard.ts';
import {
  agentCpuChecks,
  allAgents,
  allChecks,
  allStates,
  checkTransitions,
  cpuBuckets,
  cpuResults,
} from '../../db/dashboard.repository.ts';
import { ApiError, errors } from '../../errors.ts';
import { agentsRepo, checksRepo, type AppDeps } from '../deps.ts';
import { bucketStep, cpuHistoryView, overviewJson, timelineView } from '../dashboard-views.ts';

const reader = { security: [{ adminToken: [] }], tags: ['dashboard'] };
const failures = { 400: ErrorReply, 401: ErrorReply, 404: ErrorReply, 503: ErrorReply };
const HOUR_MS = 3_600_000;

function requireReader(deps: AppDeps, request: FastifyRequest): void {
  if (!deps.dashboardPublic) deps.auth.requireAdmin(request);
}

/** The window [now - hours, now]; at most the week the default retention keeps. */
function window(deps: AppDeps, hours: string | undefined): { from: Date; to: Date } {
  const to = deps.now();
  const h = Math.min(168, Math.max(1, Number(hours ?? 24)));
  return { from: new Date(to.getTime() - h * HOUR_MS), to };
}

export function dashboardRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get(
    '/api/v1/overview',
    {
      schema: {
        ...reader,
        summary: 'Every agent, every check and every state, in one document (the dashboard polls this)',
        response: { 200: Overview, ...failures },
      },
    },
    async (request, reply) => {
      requireReader(deps, request);
      const [agents, checks, states] = await Promise.all([
        allAgents(deps.orm.em.fork()),
        allChecks(deps.orm.em.fork()),
        allStates(deps.orm.em.fork()),
      ]);
      // Text already: fastify sends it as it is (the schema still documents it).
      return reply.type('application/json; charset=utf-8').send(overviewJson(agents, checks, states, deps.now()));
    },
  );

  app.get(
    '/api/v1/checks/:name/timeline',
    {
      schema: {
        ...reader,
        summary: "A check's states per agent over the last hours, as segments (from its transitions)",
        params: Type.Object({ name: CheckName }),
        querystring: Type.Object(
          { namespace: Type.Optional(Namespace), hours: HoursQuery },
          { additionalProperties: false },
        ),
        response: { 200: Timeline, ...failures },
      },
    },
    async (request) => {
      requireReader(deps, request);
      const { name } = request.params as { name: string };
      const query = request.query as { namespace?: string; hours?: string };
      const namespace = query.namespace ?? 'default';
      const repo = checksRepo(deps);
      const check = await repo.find(namespace, name);
      if (!check) throw new ApiError(errors.notFound, `no check ${namespace}/${name}`, 'params/name');
      const { from, to } = window(deps, query.hours);
      const { before, within } = await checkTransitions(deps.orm.em.fork(), check.id, from);
      return timelineView(from, to, before, within, await repo.states([check.id]));
    },
  );

  app.get(
    '/api/v1/agents/:name/cpu',
    {
      schema: {
        ...reader,
        summary: "An agent's CPU (its cpu checks' results) over the last hours, in buckets",
        params: Type.Object({ name: Text({ maxLength: 253 }) }),
        querystring: Type.Object({ hours: HoursQuery }, { additionalProperties: false }),
        response: { 200: CpuHistory, ...failures },
      },
    },
    async (request) => {
      requireReader(deps, request);
      const { name } = request.params as { name: string };
      if (!(await agentsRepo(deps).byName(name))) {
        throw new ApiError(errors.notFound, `no agent named "${name}"`, 'params/name');
      }
      const { from, to } = window(deps, (request.query as { hours?: string }).hours);
      const em = deps.orm.em.fork();
      const checks = await agentCpuChecks(em, name);
      const ids = checks.map((c) => c.id);
      const results = ids.length ? await cpuResults(em, name, ids, from, to) : [];
      const step = bucketStep(from, results.length ? results[0]!.t / 1000 : null, to);
      const buckets = cpuBuckets(results, step);
      return cpuHistoryView(from, to, step, checks, buckets);
    },
  );
}

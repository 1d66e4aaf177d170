// The agent's conversation (the seed's wire contract, kept as written), plus
// the one-document config with an ETag so an agent can poll every cycle.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import {
  AgentConfig,
  AgentView,
  CheckOut,
  ErrorReply,
  IngestReply,
  probeKinds,
  probes,
  ResultsIn,
  type ResultIn,
} from '../../../contract/index.ts';
import { agentInterval, missingDeadline } from '../../domain/agents.ts';
import { ApiError, errors } from '../../errors.ts';
import { agentOf } from '../auth.ts';
import type { AgentRow } from '../../db/agents.repository.ts';
import { agentsRepo, type AppDeps } from '../deps.ts';
import { agentView } from '../views.ts';

const agentAuth = { security: [{ agentToken: [] }], tags: ['agent'] };
const failures = { 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 413: ErrorReply, 503: ErrorReply };

export function agentConversationRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get(
    '/api/v1/agent/',
    { schema: { ...agentAuth, summary: "The calling agent's object", response: { 200: AgentView, ...failures } } },
    (request) => agentView(agentOf(request)),
  );

  app.get(
    '/api/v1/agent/config',
    {
      schema: {
        ...agentAuth,
        summary: 'Every check this agent runs, in one document; answers 304 to a matching If-None-Match',
        response: { 200: AgentConfig, 304: Type.Null(), ...failures },
      },
    },
    async (request, reply) => {
      const agent = agentOf(request);
      const { checks, etag } = await deps.catalog.assignment(agent.id, agent.labels);
      void reply.header('etag', etag).header('cache-control', 'no-cache');
      if (request.headers['if-none-match'] === etag) return reply.status(304).send();
      return { agent: agentView(agent), checks: checks.map((c) => c.wire) };
    },
  );

  for (const kind of probeKinds) {
    app.get(
      `/api/v1/${kind}_check/`,
      {
        schema: {
          ...agentAuth,
          summary: `This agent's ${kind} checks`,
          response: { 200: Type.Array(probes[kind].agentCheck), ...failures },
        },
      },
      async (request) => {
        const agent = agentOf(request);
        const { checks } = await deps.catalog.assignment(agent.id, agent.labels);
        return checks.filter((c) => c.wire.kind === kind).map((c) => c.wire);
      },
    );
  }

  app.post(
    '/api/v1/check_history/',
    {
      schema: {
        ...agentAuth,
        summary: 'Post one result or an array of results; acknowledged after they are committed',
        body: ResultsIn,
        response: { 200: IngestReply, ...failures },
      },
    },
    async (request) => {
      const agent = agentOf(request);
      const body = request.body as ResultIn | ResultIn[];
      const results = Array.isArray(body) ? body : [body];
      const reply = await deps.ingest.ingest(agent, results, () => request.socket.destroyed);
      // An agent that posts results has started: from its first post it has a
      // deadline to miss, so one that dies before its first check-in is still
      // marked missing. (A registered agent that never ran has none.) Keyed on
      // the deadline, not on a check-in, and the row the token cache holds
      // learns it: an agent that only posts pays this write once, not per post.
      if (agent.deadlineAt === null) {
        const deadline = await deadlineOf(deps, agent);
        await agentsRepo(deps).firstContact(agent.id, deadline);
        agent.deadlineAt = deadline;
      }
      return reply;
    },
  );

  app.put(
    '/api/v1/agent/:id/',
    {
      schema: {
        ...agentAuth,
        summary: 'Check-out: this run is finished (moves the missing-agent deadline)',
        params: Type.Object({ id: Type.String() }),
        body: CheckOut,
        response: { 200: AgentView, ...failures },
      },
      // The seed's agents send a bare PUT: no body is an empty check-out.
      preValidation: (request, _reply, done) => {
        request.body ??= {};
        done();
      },
    },
    async (request) => {
      const agent = agentOf(request);
      const { id } = request.params as { id: string };
      // Ids are case-insensitive (RFC 4122); the database's are lower case.
      if (id.toLowerCase() !== agent.id)
        throw new ApiError(errors.forbidden, 'an agent may check out only as itself', 'params/id');
      const now = deps.now();
      const facts = request.body as CheckOut;
      await agentsRepo(deps).checkIn(agent.id, now, await deadlineOf(deps, agent, now), facts);
      return agentView({ ...agent, lastSeenAt: now, missing: false, version: facts.version ?? agent.version });
    },
  );
}

/** When the agent is missing if it does not check in: `--missing-after` of its shortest interval from now. */
async function deadlineOf(deps: AppDeps, agent: AgentRow, now = deps.now()): Promise<Date> {
  const { checks } = await deps.catalog.assignment(agent.id, agent.labels);
  const interval = agentInterval(
    checks.map((c) => c.rules.intervalSeconds),
    deps.idleIntervalSeconds,
  );
  return missingDeadline(now, interval, deps.missingAfter);
}

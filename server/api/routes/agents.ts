// Agent registration and listing, for people and tools (admin token).
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { AgentCreate, AgentCreated, AgentView, ErrorReply, Text } from '../../../contract/index.ts';
import { ApiError, errors } from '../../errors.ts';
import { agentsRepo, type AppDeps } from '../deps.ts';
import { agentView } from '../views.ts';

const admin = { security: [{ adminToken: [] }], tags: ['agents'] };
const failures = { 400: ErrorReply, 401: ErrorReply, 404: ErrorReply, 409: ErrorReply, 503: ErrorReply };
const ByName = Type.Object({ name: Text({ maxLength: 253 }) });

export function agentRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post(
    '/api/v1/agents',
    {
      schema: {
        ...admin,
        summary: 'Register an agent; the answer holds its token, shown this once',
        body: AgentCreate,
        response: { 201: AgentCreated, ...failures },
      },
    },
    async (request, reply) => {
      deps.auth.requireAdmin(request);
      const { name, labels } = request.body as AgentCreate;
      const repo = agentsRepo(deps);
      if (await repo.byName(name)) throw new ApiError(errors.conflict, `an agent named "${name}" exists`, 'body/name');
      const { agent, token } = await repo.create(name, labels ?? {}, deps.now());
      deps.catalog.invalidate();
      return reply.status(201).send({ id: agent.id, name: agent.name, labels: agent.labels, token });
    },
  );

  app.get(
    '/api/v1/agents',
    {
      schema: {
        ...admin,
        summary: 'Every agent',
        response: { 200: Type.Object({ items: Type.Array(AgentView) }), ...failures },
      },
    },
    async (request) => {
      deps.auth.requireAdmin(request);
      return { items: (await agentsRepo(deps).list()).map(agentView) };
    },
  );

  app.get(
    '/api/v1/agents/:name',
    { schema: { ...admin, summary: 'One agent', params: ByName, response: { 200: AgentView, ...failures } } },
    async (request) => {
      deps.auth.requireAdmin(request);
      const { name } = request.params as { name: string };
      const agent = await agentsRepo(deps).byName(name);
      if (!agent) throw new ApiError(errors.notFound, `no agent named "${name}"`, 'params/name');
      return agentView(agent);
    },
  );

  app.delete(
    '/api/v1/agents/:name',
    {
      schema: {
        ...admin,
        summary: 'Remove an agent, its token, states and history',
        params: ByName,
        response: { 204: Type.Null(), ...failures },
      },
    },
    async (request, reply) => {
      deps.auth.requireAdmin(request);
      const { name } = request.params as { name: string };
      if (!(await agentsRepo(deps).remove(name))) {
        throw new ApiError(errors.notFound, `no agent named "${name}"`, 'params/name');
      }
      deps.auth.forget();
      deps.catalog.invalidate();
      return reply.status(204).send();
    },
  );
}

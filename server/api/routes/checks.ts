// Checks as documents: the Check of DESIGN.md §4 in JSON, addressed by name
// within a namespace (default `default`).
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { CheckDocument, CheckName, CheckView, ErrorReply, Namespace, Status } from '../../../contract/index.ts';
import { resultsPage } from '../../db/checks.repository.ts';
import { parseResultsQuery, encodeCursor, ResultsQuerystring } from '../results-query.ts';
import { specProblems } from '../../../contract/check-rules.ts';
import { ApiError, errors } from '../../errors.ts';
import { checksRepo, type AppDeps } from '../deps.ts';
import { checkView } from '../views.ts';

const admin = { security: [{ adminToken: [] }], tags: ['checks'] };
const failures = { 400: ErrorReply, 401: ErrorReply, 404: ErrorReply, 409: ErrorReply, 503: ErrorReply };
const ByName = Type.Object({ name: CheckName });
const InNamespace = Type.Object({ namespace: Type.Optional(Namespace) }, { additionalProperties: false });
const DEFAULT_NAMESPACE = 'default';
const ResultView = Type.Object({
  agent: Type.String(),
  status: Status,
  value: Type.Union([Type.Number(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()]),
  observedAt: Type.String({ format: 'date-time' }),
});

export function checkRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.put(
    '/api/v1/checks/:name',
    {
      schema: {
        ...admin,
        summary: 'Create or replace a check',
        params: ByName,
        querystring: InNamespace,
        body: CheckDocument,
        response: { 200: CheckView, 201: CheckView, ...failures },
      },
    },
    async (request, reply) => {
      deps.auth.requireAdmin(request);
      const doc = request.body as CheckDocument;
      const namespace = resolveNamespace(
        request.params as { name: string },
        request.query as { namespace?: string },
        doc,
      );
      const problem = specProblems(doc.spec, { webhooks: deps.webhookNames })[0];
      if (problem)
        throw new ApiError(errors.invalidCheck, `${problem.field}: ${problem.message}`, `body${problem.field}`);
      const repo = checksRepo(deps);
      const outcome = await repo.upsert(doc, namespace, 'api', deps.now());
      if (outcome.kind === 'conflict') {
        throw new ApiError(
          errors.conflict,
          `check ${namespace}/${doc.metadata.name} is owned by a Kubernetes resource`,
        );
      }
      deps.catalog.invalidate();
      const view = checkView(outcome.check, await repo.states([outcome.check.id]));
      return reply.status(outcome.kind === 'created' ? 201 : 200).send(view);
    },
  );

  app.get(
    '/api/v1/checks',
    {
      schema: {
        ...admin,
        summary: 'Every check with its state per agent (all namespaces unless ?namespace=)',
        querystring: InNamespace,
        response: { 200: Type.Object({ items: Type.Array(CheckView) }), ...failures },
      },
    },
    async (request) => {
      deps.auth.requireAdmin(request);
      const repo = checksRepo(deps);
      const checks = await repo.list((request.query as { namespace?: string }).namespace);
      const byCheck = Map.groupBy(await repo.states(checks.map((c) => c.id)), (s) => s.checkId);
      return { items: checks.map((c) => checkView(c, byCheck.get(c.id) ?? [])) };
    },
  );

  app.get(
    '/api/v1/checks/:name',
    {
      schema: {
        ...admin,
        summary: 'One check',
        params: ByName,
        querystring: InNamespace,
        response: { 200: CheckView, ...failures },
      },
    },
    async (request) => {
      deps.auth.requireAdmin(request);
      const { name } = request.params as { name: string };
      const namespace = (request.query as { namespace?: string }).namespace ?? DEFAULT_NAMESPACE;
      const repo = checksRepo(deps);
      const check = await repo.find(namespace, name);
      if (!check) throw new ApiError(errors.notFound, `no check ${namespace}/${name}`, 'params/name');
      return checkView(check, await repo.states([check.id]));
    },
  );

  app.get(
    '/api/v1/checks/:name/results',
    {
      schema: {
        ...admin,
        summary: 'Results of a check in a time range, newest first, a page at a time (?agent= to pick one agent)',
        params: ByName,
        querystring: ResultsQuerystring,
        response: {
          200: Type.Object({
            items: Type.Array(ResultView),
            cursor: Type.Optional(
              Type.String({ description: 'Pass as ?cursor= for the next page; absent on the last' }),
            ),
          }),
          ...failures,
        },
      },
    },
    async (request) => {
      deps.auth.requireAdmin(request);
      const { name } = request.params as { name: string };
      const query = parseResultsQuery(request.query as ResultsQuerystring, deps.now());
      const check = await checksRepo(deps).find(query.namespace ?? DEFAULT_NAMESPACE, name);
      if (!check)
        throw new ApiError(errors.notFound, `no check ${query.namespace ?? DEFAULT_NAMESPACE}/${name}`, 'params/name');
      const page = await resultsPage(deps.orm.em.fork(), check.id, query);
      if (!page) throw new ApiError(errors.notFound, `no agent named "${query.agent}"`, 'querystring/agent');
      return {
        items: page.rows.map((r) => ({ ...r, observedAt: r.observedAt.toISOString() })),
        ...(page.next ? { cursor: encodeCursor(page.next) } : {}),
      };
    },
  );

  app.delete(
    '/api/v1/checks/:name',
    {
      schema: {
        ...admin,
        summary: 'Delete a check with its states and history',
        params: ByName,
        querystring: InNamespace,
        response: { 204: Type.Null(), ...failures },
      },
    },
    async (request, reply) => {
      deps.auth.requireAdmin(request);
      const { name } = request.params as { name: string };
      const namespace = (request.query as { namespace?: string }).namespace ?? DEFAULT_NAMESPACE;
      const outcome = await checksRepo(deps).remove(namespace, name, 'api');
      if (outcome === 'missing') throw new ApiError(errors.notFound, `no check ${namespace}/${name}`, 'params/name');
      if (outcome === 'conflict')
        throw new ApiError(errors.conflict, `check ${namespace}/${name} is owned by a Kubernetes resource`);
      deps.catalog.invalidate();
      return reply.status(204).send();
    },
  );
}

/** The URL and the document must agree on the name and the namespace. */
function resolveNamespace(params: { name: string }, query: { namespace?: string }, doc: CheckDocument): string {
  if (doc.metadata.name !== params.name) {
    throw new ApiError(errors.validation, 'metadata.name differs from the name in the URL', 'body/metadata/name');
  }
  const fromDoc = doc.metadata.namespace;
  if (fromDoc && query.namespace && fromDoc !== query.namespace) {
    throw new ApiError(errors.validation, 'metadata.namespace differs from ?namespace=', 'body/metadata/namespace');
  }
  return fromDoc ?? query.namespace ?? DEFAULT_NAMESPACE;
}

import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { errors } from '../../errors.ts';
import { ErrorReply } from '../../../contract/error.ts';
import type { AppDeps } from '../deps.ts';

const Health = Type.Object({ status: Type.String() });

/** The routes that answer while the server still waits for its database. */
export const WITHOUT_DATABASE: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

export function healthRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get(
    '/healthz',
    { schema: { tags: ['health'], summary: 'The process is alive', response: { 200: Health } } },
    () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'The database answers and is migrated (503 says what the server is waiting for)',
        response: { 200: Health, 503: ErrorReply },
      },
    },
    async (_request, reply) => {
      const waiting = deps.databaseWait();
      const ready = waiting === null && (await deps.ready().catch(() => false));
      if (ready) return reply.status(200).send({ status: 'ready' });
      const message = waiting ?? 'the database does not answer or has migrations to apply';
      return reply.status(503).send({ error: errors.databaseUnavailable.code, message });
    },
  );
}

import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { AppDeps } from '../deps.ts';

const Health = Type.Object({ status: Type.String() });

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
        summary: 'The database answers and is migrated',
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      const ready = await deps.ready().catch(() => false);
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'database unavailable or not migrated' });
    },
  );
}

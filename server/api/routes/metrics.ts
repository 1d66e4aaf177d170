// GET /metrics: the Prometheus text exposition of server/metrics' registry.
// Open like /healthz: Prometheus scrapes without a token, and the admin token
// (which can write) must not be handed to a scraper.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.ts';

export function metricsRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const { contentType, body } = await deps.metrics.scrape();
    return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
  });
}

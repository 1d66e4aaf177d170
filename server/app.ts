// Builds the fastify app from its parts. Tests import this (app.inject(), no
// port); server/main.ts adds the database, the sweeps and the listener.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { Logger } from './log.ts';
import type { AppDeps } from './api/deps.ts';
import { rememberAgent } from './api/auth.ts';
import { installErrorHandler } from './api/error-handler.ts';
import { healthRoutes, WITHOUT_DATABASE } from './api/routes/health.ts';
import { ApiError, errors } from './errors.ts';
import { agentConversationRoutes } from './api/routes/agent-conversation.ts';
import { agentRoutes } from './api/routes/agents.ts';
import { checkRoutes } from './api/routes/checks.ts';
import { alertRoutes } from './api/routes/alerts.ts';
import { dashboardRoutes } from './api/routes/dashboard.ts';
import { metricsRoutes } from './api/routes/metrics.ts';
import { dashboardStaticRoutes } from './ui/static-routes.ts';
import { VERSION } from './version.ts';

export async function buildApp(deps: AppDeps, logger: Logger | false = false): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is what fastify expects; its types differ only in a generic.
    loggerInstance: (logger || undefined) as FastifyBaseLogger | undefined,
    bodyLimit: deps.bodyLimit,
    // The seed's paths end in "/", people type them without.
    routerOptions: { ignoreTrailingSlash: true },
    ajv: {
      // Reject unknown fields instead of silently dropping them, and never coerce types.
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false },
    },
    // Agents call several times a cycle: a log line per request would drown the rest.
    logController: new LogController({ disableRequestLogging: true }),
  });
  // A body-less PUT (the seed's check-out) arrives with or without a JSON content type.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  installErrorHandler(app);
  untilDatabaseReady(app, deps);
  authenticateBeforeValidation(app, deps);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'vilicus', version: VERSION, description: 'Host and process monitoring API (v1)' },
      components: {
        securitySchemes: {
          adminToken: { type: 'http', scheme: 'bearer', description: 'VILICUS_ADMIN_TOKEN' },
          agentToken: { type: 'http', scheme: 'bearer', description: 'A token from POST /api/v1/agents' },
        },
      },
    },
  });
  healthRoutes(app, deps);
  agentConversationRoutes(app, deps);
  agentRoutes(app, deps);
  checkRoutes(app, deps);
  alertRoutes(app, deps);
  dashboardRoutes(app, deps);
  metricsRoutes(app, deps);
  dashboardStaticRoutes(app);
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  return app;
}

/** While the server waits for its database, everything but the health routes answers 503 saying why. */
function untilDatabaseReady(app: FastifyInstance, deps: AppDeps): void {
  // A callback hook, not an async one: every request passes here, most of them agents' posts.
  app.addHook('onRequest', (request, _reply, done) => {
    const waiting = deps.databaseWait();
    if (waiting === null || WITHOUT_DATABASE.has(request.routeOptions.url ?? '')) return done();
    done(new ApiError(errors.databaseUnavailable, waiting));
  });
}

/**
 * Authentication runs once, before validation, so a request without a valid
 * token is told 401 whatever its body. Agent routes get the agent from here
 * (`agentOf`); admin routes with a body are checked here too (GET admin routes
 * check in their handler, where the dashboard's public-read setting applies).
 */
function authenticateBeforeValidation(app: FastifyInstance, deps: AppDeps): void {
  app.addHook('preValidation', async (request) => {
    const security = (request.routeOptions.schema as { security?: Record<string, unknown>[] } | undefined)?.security;
    if (!security) return;
    if (security.some((s) => 'agentToken' in s)) rememberAgent(request, await deps.auth.requireAgent(request));
    else if (request.method !== 'GET' && request.method !== 'HEAD' && security.some((s) => 'adminToken' in s)) {
      deps.auth.requireAdmin(request);
    }
  });
}

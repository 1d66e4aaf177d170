// Builds the fastify app from its parts. Tests import this (app.inject(), no
// port); server/main.ts adds the database, the sweeps and the listener.
import Fastify, { LogController, type FastifyInstance, type FastifyHttpOptions } from 'fastify';
import type { Server } from 'node:http';
import swagger from '@fastify/swagger';
import secureJson from 'secure-json-parse';
import type { Logger } from './log.ts';
import type { AppDeps } from './api/deps.ts';
import { rememberAgent } from './api/auth.ts';
import { answerClientError, installErrorHandler, replyWithError } from './api/error-handler.ts';
import { installSerializer } from './api/serializer.ts';
import { healthRoutes, WITHOUT_DATABASE } from './api/routes/health.ts';
import { ApiError, errors } from './errors.ts';
import { agentConversationRoutes } from './api/routes/agent-conversation.ts';
import { agentRoutes } from './api/routes/agents.ts';
import { checkRoutes } from './api/routes/checks.ts';
import { alertRoutes } from './api/routes/alerts.ts';
import { dashboardRoutes } from './api/routes/dashboard.ts';
import { metricsRoutes } from './api/routes/metrics.ts';
import { dashboardStaticRoutes } from './ui/static-routes.ts';
import { VERSION } from '../contract/version.ts';

/** Longer than the longest name (253), so only a parameter no route could accept is refused with a 414. */
const MAX_PARAM_LENGTH = 512;

export async function buildApp(deps: AppDeps, logger: Logger | false = false): Promise<FastifyInstance> {
  const app = Fastify(serverOptions(deps, logger));
  readJsonOnly(app);
  installSerializer(app);
  installErrorHandler(app);
  refuseWhileClosing(app);
  untilDatabaseReady(app, deps);
  authenticateFirst(app, deps);
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

/**
 * Once close() has begun, a request that still arrives (on a kept-alive or
 * pipelined connection) is told 503 in the catalogue's envelope. Fastify's own
 * answer for it (return503OnClosing, off in serverOptions) is a fixed body of
 * its own shape, written before any hook could reply.
 */
function refuseWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    reply.header('connection', 'close');
    done(new ApiError(errors.shuttingDown));
  });
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
 * Authentication runs once, on the request line and headers, before the body
 * is read: a request without a valid token is told 401 whatever its body, and
 * a large body from a stranger is never read (the reply closes the connection).
 * Agent routes get the agent from here (`agentOf`); admin routes with a body
 * are checked here too (GET admin routes check in their handler, where the
 * dashboard's public-read setting applies).
 */
function authenticateFirst(app: FastifyInstance, deps: AppDeps): void {
  app.addHook('onRequest', async (request) => {
    const security = (request.routeOptions.schema as { security?: Record<string, unknown>[] } | undefined)?.security;
    if (!security) return;
    if (security.some((s) => 'agentToken' in s)) rememberAgent(request, await deps.auth.requireAgent(request));
    else if (request.method !== 'GET' && request.method !== 'HEAD' && security.some((s) => 'adminToken' in s)) {
      deps.auth.requireAdmin(request);
    }
  });
}

function serverOptions(deps: AppDeps, logger: Logger | false): FastifyHttpOptions<Server> {
  return {
    loggerInstance: logger || undefined,
    bodyLimit: deps.bodyLimit,
    // refuseWhileClosing answers instead, in the catalogue's envelope.
    return503OnClosing: false,
    // The whole request, body included, must arrive within this (408 after), so a
    // client trickling bytes cannot hold a socket for minutes. Node honours it only
    // when given to http.createServer (fastify's `requestTimeout` alone, set on the
    // server afterwards, timed nothing out), and checks it on a timer: a tenth of
    // the limit keeps the overshoot small.
    requestTimeout: deps.requestTimeoutMs,
    http: {
      requestTimeout: deps.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(30_000, deps.requestTimeoutMs / 10)),
    },
    routerOptions: {
      // The seed's paths end in "/", people type them without.
      ignoreTrailingSlash: true,
      // Names are up to 253 characters (fastify's default, 100, refused longer ones
      // that registered fine); longer parameters get a 414 in the catalogue's envelope.
      maxParamLength: MAX_PARAM_LENGTH,
    },
    // Fastify's own routing errors (a bad %-escape, an overlong parameter) go through the one error reply.
    frameworkErrors: replyWithError,
    clientErrorHandler: answerClientError,
    ajv: {
      // Reject unknown fields instead of silently dropping them, and never coerce types.
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false },
    },
    // Agents call several times a cycle: a log line per request would drown the rest.
    logController: new LogController({ disableRequestLogging: true }),
  };
}

function readJsonOnly(app: FastifyInstance): void {
  // Only JSON is read: without this, fastify's text/plain parser hands a string to
  // the schema (400 "must be object") where docs/errors.md promises a 415.
  app.removeContentTypeParser('text/plain');
  // A body-less PUT (the seed's check-out) arrives with or without a JSON content type.
  // secure-json-parse, as fastify's own parser: `__proto__` and `constructor.prototype` are refused.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, secureJson.parse(text, { protoAction: 'error', constructorAction: 'error' }));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

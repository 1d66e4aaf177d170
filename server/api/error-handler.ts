// One error handler: client errors keep their code and field; everything
// else is logged with the request and answered without internals.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, errors, type ErrorDefinition } from '../errors.ts';

interface AjvError {
  instancePath: string;
  message?: string;
  keyword: string;
  params?: Record<string, unknown>;
}

const FASTIFY_CODES: Record<string, ErrorDefinition> = {
  FST_ERR_CTP_BODY_TOO_LARGE: errors.tooLarge,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: errors.unsupportedMediaType,
  FST_ERR_CTP_EMPTY_JSON_BODY: errors.invalidJson,
  FST_ERR_CTP_INVALID_JSON_BODY: errors.invalidJson,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: errors.validation,
};

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { definition, message, field } = classify(error);
    if (definition.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.debug({ code: definition.code, field }, message);
    void reply.status(definition.status).send({ error: definition.code, message, ...(field ? { field } : {}) });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .send({ error: errors.routeNotFound.code, message: `no route ${request.method} ${request.url}` });
  });
}

function classify(error: FastifyError): { definition: ErrorDefinition; message: string; field?: string } {
  if (error instanceof ApiError) {
    const definition = { code: error.code, status: error.statusCode, message: error.message };
    return { definition, message: error.message, ...(error.field ? { field: error.field } : {}) };
  }
  if (error.validation) return validationError(error.validation, error.validationContext);
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return { definition: errors.invalidJson, message: `the body is not valid JSON: ${error.message}` };
  }
  const known = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (known) return { definition: known, message: error.message };
  if (isDatabaseDown(error))
    return { definition: errors.databaseUnavailable, message: errors.databaseUnavailable.message };
  return clientOrInternal(error);
}

function clientOrInternal(error: FastifyError): { definition: ErrorDefinition; message: string } {
  if (hasCode(error, UNSTORABLE_TEXT))
    return { definition: errors.validation, message: 'a text holds a character the database cannot store (\\u0000)' };
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return { definition: { ...errors.validation, status: error.statusCode }, message: error.message };
  }
  return { definition: errors.internal, message: errors.internal.message };
}

/** The most specific complaint (the deepest path) names the field. */
function validationError(list: AjvError[], context: string | undefined) {
  const best = [...list].sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
  const property = best?.params?.additionalProperty;
  const extra = best?.keyword === 'additionalProperties' && typeof property === 'string' ? property : '';
  const path = `${best?.instancePath ?? ''}${extra ? `/${extra}` : ''}`;
  const field = `${context ?? 'body'}${path}`;
  const message = extra ? `unknown field "${extra}"` : `${best?.message ?? 'is invalid'}`;
  return { definition: errors.validation, message: `${field}: ${message}`, field };
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01',
  '57P02',
  '57P03',
]);

// PostgreSQL text and jsonb cannot hold NUL: the client sent it, so it is a 400, not a 500.
const UNSTORABLE_TEXT = new Set(['22P05', '22021']);

function hasCode(error: unknown, codes: ReadonlySet<string>): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && codes.has(e.code)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** A lost or refused database connection is a 503 (retry later), never a 400 or a bare 500. */
export function isDatabaseDown(error: unknown): boolean {
  for (
    let e = error as { code?: unknown; name?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    depth++
  ) {
    if (typeof e.code === 'string' && (CONNECTION_CODES.has(e.code) || e.code.startsWith('08'))) return true;
    if (e.name === 'ConnectionException') return true;
    if (
      e instanceof Error &&
      /Connection terminated|connection is closed|timeout exceeded when trying to connect/i.test(e.message)
    )
      return true;
    e = e.cause as typeof e;
  }
  return false;
}

// One error handler: client errors keep their code and field; everything
// else is logged with the request and answered without internals.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, errors, type ErrorDefinition } from '../errors.ts';
import { mostSpecific, type SchemaError } from '../../contract/schema-errors.ts';

// Fastify's own errors a client can cause, in the catalogue's terms.
const FASTIFY_CODES: Record<string, ErrorDefinition> = {
  FST_ERR_CTP_BODY_TOO_LARGE: errors.tooLarge,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: errors.unsupportedMediaType,
  FST_ERR_CTP_EMPTY_JSON_BODY: errors.invalidJson,
  FST_ERR_CTP_INVALID_JSON_BODY: errors.invalidJson,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: errors.badRequest,
  FST_ERR_BAD_URL: errors.badUrl,
  FST_ERR_MAX_PARAM_LENGTH: errors.uriTooLong,
  FST_ERR_NOT_FOUND: errors.routeNotFound,
};

// Node's own complaints about a connection (before or around fastify's routing).
const CLIENT_ERRORS: Record<string, ErrorDefinition> = {
  ERR_HTTP_REQUEST_TIMEOUT: errors.requestTimeout,
  HPE_HEADER_OVERFLOW: errors.headersTooLarge,
};

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(replyWithError);
  app.setNotFoundHandler((request, reply) => {
    replyWithError(new ApiError(errors.routeNotFound, `no route ${request.method} ${request.url}`), request, reply);
  });
}

/** The one error reply (the error handler's and fastify's `frameworkErrors`). */
export function replyWithError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { definition, message, field } = classify(error);
  if (definition.status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.debug({ code: definition.code, field }, message);
  // Refused before its body was read (a bad token, a wrong content type): close
  // rather than drain a body nobody will use, however slowly it comes.
  if (!request.raw.complete) void reply.header('connection', 'close');
  void reply.status(definition.status).send({ error: definition.code, message, ...(field ? { field } : {}) });
}

/** Node's `clientError` (a request timeout, oversized headers, broken HTTP): the same envelope, then close. */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const definition = CLIENT_ERRORS[error.code ?? ''] ?? errors.badRequest;
  const pending = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  // An answer already on its way (a refused request whose body still trickles in) is not written over.
  if (socket.writable && !pending?.headersSent) {
    const body = JSON.stringify({ error: definition.code, message: definition.message });
    socket.write(
      `HTTP/1.1 ${definition.status} ${STATUS_CODES[definition.status]}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
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

/** The most specific complaint names the field (body/spec/cpu/above). */
function validationError(list: SchemaError[], context: string | undefined) {
  const { path, message } = mostSpecific(list);
  const field = `${context ?? 'body'}${path}`;
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

// The one error catalogue: every error a client can see, declared once with
// a stable code and status. docs/errors.md lists them (a test keeps it in sync).

export interface ErrorDefinition {
  code: string;
  status: number;
  message: string;
}

function define(code: string, status: number, message: string): ErrorDefinition {
  return { code: `VILICUS_ERR_${code}`, status, message };
}

export const errors = {
  validation: define('VALIDATION', 400, 'The request does not match the schema'),
  invalidJson: define('INVALID_JSON', 400, 'The body is not valid JSON'),
  invalidCheck: define('INVALID_CHECK', 400, 'The check is not valid'),
  badUrl: define('BAD_URL', 400, 'The URL is not valid (a bad %-escape)'),
  badRequest: define('BAD_REQUEST', 400, 'The request is not valid HTTP'),
  unauthenticated: define('UNAUTHENTICATED', 401, 'A valid bearer token is required'),
  forbidden: define('FORBIDDEN', 403, 'This token may not do that'),
  notFound: define('NOT_FOUND', 404, 'No such object'),
  routeNotFound: define('ROUTE_NOT_FOUND', 404, 'No such route'),
  unknownCheck: define('UNKNOWN_CHECK', 422, 'The check does not exist or is not assigned to this agent'),
  pastRetention: define('PAST_RETENTION', 422, 'The result is older than the history retention and is not stored'),
  requestTimeout: define('REQUEST_TIMEOUT', 408, 'The request did not arrive in time'),
  conflict: define('CONFLICT', 409, 'The object exists or is owned by another source'),
  tooLarge: define('BODY_TOO_LARGE', 413, 'The body is larger than the server accepts'),
  uriTooLong: define('URI_TOO_LONG', 414, 'A path segment is longer than any name the API has'),
  unsupportedMediaType: define('UNSUPPORTED_MEDIA_TYPE', 415, 'Send application/json'),
  headersTooLarge: define('HEADERS_TOO_LARGE', 431, 'The request headers are too large'),
  internal: define('INTERNAL', 500, 'Internal error; the server log has the details'),
  databaseUnavailable: define('DATABASE_UNAVAILABLE', 503, 'The database is unavailable; retry later'),
  shuttingDown: define('SHUTTING_DOWN', 503, 'The server is shutting down; retry (another replica may answer)'),
} as const;

export type ErrorKey = keyof typeof errors;

/** An error meant for the client: its code, status and (optionally) the field at fault. */
export class ApiError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly field: string | undefined;

  constructor(definition: ErrorDefinition, message?: string, field?: string) {
    super(message ?? definition.message);
    this.code = definition.code;
    this.statusCode = definition.status;
    this.field = field;
  }
}

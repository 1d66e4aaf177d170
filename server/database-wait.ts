// The server listens before its database answers: on a fresh install the
// bundled PostgreSQL and the server start together, and an external database
// may be created after the release. So the server opens and migrates with the
// project's backoff until that works or VILICUS_DB_WAIT has passed, logging
// each failed attempt; meanwhile /readyz and every route that needs the
// database say what it is waiting for (503 VILICUS_ERR_DATABASE_UNAVAILABLE).
import { createBackoff } from '../contract/backoff.ts';
import { formatDuration } from '../contract/duration.ts';
import { isDatabaseDown } from './api/error-handler.ts';
import type { Logger } from './log.ts';

// Beyond a lost connection (isDatabaseDown): a name that does not resolve yet
// (the Service of a PostgreSQL still starting), a database not created yet,
// and a server that is starting up or in recovery.
const NOT_YET = new Set(['EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', '3D000', '57P03']);

export interface DatabaseWaitOptions {
  /** Where the database is, for messages: never the password. */
  target: string;
  /** Give up after this long; 0 = never. */
  waitMs: number;
  log: Logger;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export class DatabaseWait {
  #waiting: string | null;
  #outage: { from: Date; to: Date } | null = null;
  readonly #options: DatabaseWaitOptions;

  constructor(options: DatabaseWaitOptions) {
    this.#options = options;
    this.#waiting = `waiting for the database ${options.target}`;
  }

  /** Null once the database is open and migrated; else what the server is waiting for. */
  waiting(): string | null {
    return this.#waiting;
  }

  /** From the first failed attempt to the one that worked, when there was a failed one. */
  get outage(): { from: Date; to: Date } | null {
    return this.#outage;
  }

  /** Runs `open` (connect and migrate) until it succeeds; throws once the wait is over or the error is not "not yet". */
  async until<T>(open: () => Promise<T>): Promise<T> {
    const { target, waitMs, log } = this.#options;
    const now = this.#options.now ?? Date.now;
    const sleep = this.#options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref()));
    const backoff = createBackoff(500, 10_000);
    const started = now();
    for (;;) {
      try {
        const value = await open();
        this.#waiting = null;
        if (this.#outage) this.#outage.to = new Date(now());
        return value;
      } catch (error) {
        const code = errorCode(error);
        const waited = now() - started;
        const delayMs = backoff.next();
        const retry = isNotYet(error) && (waitMs === 0 || waited + delayMs <= waitMs);
        if (!retry) throw new DatabaseWaitError(target, code, waited, backoff.attempts, error);
        this.#outage ??= { from: new Date(started), to: new Date(started) };
        this.#waiting = `database ${target} not reachable yet (${code}: ${messageOf(error)}); attempt ${backoff.attempts}, next in ${formatDuration(delayMs)}`;
        log.warn({ code, attempt: backoff.attempts, nextDelayMs: delayMs, database: target }, this.#waiting);
        await sleep(delayMs);
      }
    }
  }
}

export class DatabaseWaitError extends Error {
  readonly code: string;
  constructor(target: string, code: string, waitedMs: number, attempts: number, cause: unknown) {
    const why = `${code}: ${messageOf(cause)}`;
    super(
      attempts > 1
        ? `database ${target} still not usable after ${formatDuration(waitedMs)} and ${attempts} attempts (${why})`
        : `database ${target} not usable (${why})`,
      { cause },
    );
    this.code = code;
  }
}

/** host:port/name of a PostgreSQL URL (no user, no password), or the embedded data folder. */
export function databaseTarget(databaseUrl: string | undefined, dataDir: string): string {
  if (!databaseUrl) return `embedded in ${dataDir}`;
  const url = new URL(databaseUrl);
  return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
}

function isNotYet(error: unknown): boolean {
  return isDatabaseDown(error) || causes(error).some((e) => typeof e.code === 'string' && NOT_YET.has(e.code));
}

function errorCode(error: unknown): string {
  const coded = causes(error).find((e) => typeof e.code === 'string' && e.code !== '');
  return coded ? String(coded.code) : error instanceof Error ? error.name : 'unknown';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function causes(error: unknown): { code?: unknown }[] {
  const list: { code?: unknown }[] = [];
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e && list.length < 5; e = e.cause as typeof e)
    list.push(e);
  return list;
}

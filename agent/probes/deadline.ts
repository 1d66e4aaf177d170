// A probe that waits on something outside the agent (a socket, DNS, a
// network filesystem) must answer in bounded time: the agent runs a cycle's
// probes together, and one hung endpoint must not hold back the others.
import { formatDuration } from '../../contract/duration.ts';

/**
 * Milliseconds on a monotonic clock, for durations. Not performance.now():
 * the `performance` global loads perf_hooks and nine timing modules, resident
 * for the agent's life (agent/README.md, "Resident memory").
 */
export function monotonicMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1000 + nanoseconds / 1e6;
}

export class DeadlineError extends Error {
  constructor(ms: number) {
    // formatDuration rounds to whole seconds; a timeout of 1500ms is told as written.
    super(`no answer within ${ms % 1000 === 0 ? formatDuration(ms) : `${ms}ms`}`);
    this.name = 'DeadlineError';
  }
}

/**
 * Settles by `ms` at the latest. `start` gets a signal that fires at the
 * deadline, to close its sockets; work that cannot be cancelled (a DNS
 * lookup, a statfs in the thread pool) is abandoned, and its late outcome is
 * ignored.
 */
export async function withDeadline<T>(ms: number, start: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineError(ms);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  try {
    return await Promise.race([start(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the peer',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'DNS lookup failed for now',
  EAI_NONAME: 'host name not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed by the peer',
};

/** A network failure in words a person on call reads at 3 a.m., with the code to search for. */
export function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof DeadlineError) return error.message;
  // Happy eyeballs (several addresses) reports an AggregateError; its first error tells the story.
  const first = error instanceof AggregateError && error.errors[0] instanceof Error ? error.errors[0] : error;
  const code = (first as NodeJS.ErrnoException).code;
  if (code !== undefined && REASONS[code] !== undefined) return `${REASONS[code]} (${code})`;
  return code !== undefined && !first.message.includes(code) ? `${first.message} (${code})` : first.message;
}

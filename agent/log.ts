// The agent's logger: pino's JSON lines, pretty on a terminal.
//
// Off a terminal (a service, a container: where resident memory counts) the
// lines are written here, in pino's shape (level, time, the base fields, the
// call's fields, msg), without pino: loading it (sonic-boom, thread-stream,
// worker_threads, assert) costs ~0.7 MiB of the agent's resident memory
// (bench/README.md, "Agent cost") for three levels of one-line messages. On a
// terminal, pino with pino-pretty, as before.
import { createRequire } from 'node:module';
import type { pino as Pino } from 'pino';

/** What the agent logs with: one object of fields and a message. A pino logger is one too. */
export interface Logger {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

/** pino's level numbers. */
const LEVELS: Readonly<Record<string, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
};

export function createAgentLogger(level: string, name: string): Logger {
  const base = { app: 'vilicus-agent', agent: name };
  if (process.stdout.isTTY) {
    const { pino } = createRequire(import.meta.url)('pino') as { pino: typeof Pino };
    return pino({ level, base, transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname,app' } } });
  }
  // As with pino, a stdout that is gone (EPIPE) loses the lines; it does not stop the agent.
  process.stdout.on('error', () => undefined);
  return jsonLines(LEVELS[level] ?? LEVELS.info!, base, (line) => process.stdout.write(line));
}

/** One JSON line per call at `min` or above, as pino writes them. */
export function jsonLines(min: number, base: object, write: (line: string) => unknown): Logger {
  const at =
    (level: number) =>
    (fields: object, msg: string): void => {
      if (level >= min) write(`${JSON.stringify({ level, time: Date.now(), ...base, ...fields, msg })}\n`);
    };
  return { info: at(LEVELS.info!), warn: at(LEVELS.warn!), error: at(LEVELS.error!) };
}

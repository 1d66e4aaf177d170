// The one logger: JSON lines for machines, pretty on a terminal for people.
// Components get child loggers: log.child({ component: 'ingest' }).
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, pretty = process.stdout.isTTY): Logger {
  return pino({
    level,
    base: { app: 'vilicus' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname,app', translateTime: 'SYS:HH:MM:ss' } } }
      : {}),
  });
}

// The agent's logger: JSON lines, pretty on a terminal.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createAgentLogger(level: string, name: string): Logger {
  return pino({
    level,
    base: { app: 'vilicus-agent', agent: name },
    ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname,app' } } } : {}),
  });
}

// The agent's logger: JSON lines, pretty on a terminal when run from the
// sources, the server's build or the vilicus package. The one-file agent logs JSON lines even
// there: pino's transports run in a worker thread loaded from pino's own
// files, which a single file does not have (pipe it through `npx pino-pretty`).
import { pino, type Logger } from 'pino';
import { ONE_FILE } from '../contract/version.ts';

export type { Logger };

export function createAgentLogger(level: string, name: string): Logger {
  const pretty = process.stdout.isTTY && !ONE_FILE;
  return pino({
    level,
    base: { app: 'vilicus-agent', agent: name },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname,app' } } } : {}),
  });
}

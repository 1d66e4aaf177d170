// `vilicus agent`: run until SIGTERM/SIGINT, finish the post in flight, exit 0.
import { Agent } from './agent.ts';
import { createClient } from './client.ts';
import type { AgentConfigSettings } from './config.ts';
import { createAgentLogger } from './log.ts';
import { createProbes } from './probes/index.ts';
import { tokenSource } from './token-file.ts';

export async function runAgent(config: AgentConfigSettings, version: string): Promise<void> {
  const log = createAgentLogger(config.logLevel, config.name);
  const stopping = new AbortController();
  const agent = new Agent({
    client: createClient(config.server, tokenSource(config), { agentName: config.name }),
    log,
    queueSize: config.queueSize,
    version,
    probes: createProbes({ hostRoot: config.hostRoot, signal: stopping.signal }),
  });
  const stop = (signal: string): void => {
    log.info({ signal }, 'stopping');
    agent.stop();
    stopping.abort(new Error(`stopping on ${signal}`));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  log.info({ server: config.server }, 'vilicus agent starting');
  await agent.run();
}

// The agent command, for `vilicus agent` and for the one-file agent
// (vilicus-agent.ts): loads the agent and the contract, never server code.
import { loadAgentConfig, nodeOptions } from '../agent/config.ts';
import { AGENT_V8_FLAGS } from '../agent/v8-flags.ts';
import { execWithV8Flags } from './v8-flags.ts';

/** Replaces this process with one run with the agent's V8 flags, then runs the agent until SIGTERM. */
export async function agentCommand(argv: readonly string[], version: string): Promise<void> {
  execWithV8Flags('agent', AGENT_V8_FLAGS, nodeOptions());
  const { runAgent } = await import('../agent/main.ts');
  return runAgent(loadAgentConfig(argv), version);
}

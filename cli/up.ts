// `vilicus up` (what `npm start` runs): the server on the embedded database,
// an agent for this host in the same process, and the example checks on the
// first start — a newcomer sees vilicus work in a minute.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent } from '../agent/agent.ts';
import { createClient } from '../agent/client.ts';
import { createAgentLogger } from '../agent/log.ts';
import type { ServerConfig } from '../server/config.ts';
import { AgentsRepository } from '../server/db/agents.repository.ts';
import { ChecksRepository } from '../server/db/checks.repository.ts';
import { startServer, type RunningServer } from '../server/main.ts';
import { BUNDLED, VERSION } from '../contract/version.ts';
import { readDocuments } from './documents.ts';

// The server's build (cli/build-server.ts) carries a copy beside its modules.
const EXAMPLES = fileURLToPath(new URL(BUNDLED ? './examples/checks/' : '../examples/checks/', import.meta.url));

export async function up(config: ServerConfig): Promise<void> {
  const server = await startServer(config);
  const name = hostname();
  const token = await localAgentToken(server, config.dataDir, name);
  const applied = await applyExamplesOnFirstStart(server);
  const agent = new Agent({
    client: createClient(server.url, token),
    log: createAgentLogger(config.logLevel, name),
    queueSize: 10_000,
    version: VERSION,
  });
  const running = agent.run();
  printBanner(server, config, name, applied);
  const stop = (): void => agent.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await running;
  await server.stop();
}

/** The local agent's token is kept in the data dir, so restarts reuse the same agent. */
async function localAgentToken(server: RunningServer, dataDir: string, name: string): Promise<string> {
  const path = join(dataDir, 'local-agent-token');
  const repo = new AgentsRepository(server.db.orm.em.fork());
  const existing = await repo.byName(name);
  if (existing && existsSync(path)) return readFileSync(path, 'utf8').trim();
  if (existing) await repo.remove(name); // its token is lost: issue a new one
  const { token } = await repo.create(name, {}, new Date());
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return token;
}

/** Through the API itself (app.inject), so the examples pass the same validation as any user's checks. */
async function applyExamplesOnFirstStart(server: RunningServer): Promise<string[]> {
  if ((await new ChecksRepository(server.db.orm.em.fork()).list(undefined)).length > 0) return [];
  const applied: string[] = [];
  for (const file of readdirSync(EXAMPLES)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    for (const doc of readDocuments(join(EXAMPLES, file)) as { metadata: { name: string } }[]) {
      const reply = await server.app.inject({
        method: 'PUT',
        url: `/api/v1/checks/${doc.metadata.name}`,
        headers: { authorization: `Bearer ${server.adminToken}` },
        payload: doc,
      });
      if (reply.statusCode >= 400) throw new Error(`examples/checks/${file}: ${reply.body}`);
      applied.push(doc.metadata.name);
    }
  }
  return applied;
}

function printBanner(server: RunningServer, config: ServerConfig, agentName: string, applied: string[]): void {
  const tokenHint = config.adminToken ? 'VILICUS_ADMIN_TOKEN' : join(config.dataDir, 'admin-token');
  const lines = [
    '',
    `  vilicus ${VERSION} is running on the embedded database in ${config.dataDir}`,
    `  Dashboard:    ${server.url}/   (paste the admin token when it asks)`,
    `  API:          ${server.url}/api/v1/checks   (OpenAPI: ${server.url}/openapi.json)`,
    `  Admin token:  ${server.adminToken}   (kept in ${tokenHint})`,
    `  Local agent:  ${agentName}`,
    ...(applied.length ? [`  Example checks applied: ${applied.join(', ')}`] : []),
    '',
    '  Try:  npx vilicus get checks      npx vilicus get agents',
    `        curl -H "Authorization: Bearer ${server.adminToken}" ${server.url}/api/v1/checks`,
    '  Stop: Ctrl-C',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

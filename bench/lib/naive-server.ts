// The ingest benchmark's baseline: a vilicus server without group commit.
// The same app, routes, validation, database and evaluation as `vilicus
// server`, but every posted result is its own transaction, up to 10 at a time
// (the pool's size), as a server that commits per request would do it.
//   node bench/lib/naive-server.ts DATABASE_URL ADMIN_TOKEN   → prints {"url": …} once it listens
import { buildApp } from '../../server/app.ts';
import { openDatabase } from '../../server/db/orm.ts';
import { IngestService } from '../../server/ingest/ingest-service.ts';
import { buildDeps } from '../../server/main.ts';

const [databaseUrl, adminToken] = process.argv.slice(2);
if (!databaseUrl || !adminToken) throw new Error('usage: naive-server.ts DATABASE_URL ADMIN_TOKEN');
const db = await openDatabase({ databaseUrl, dataDir: '/nonexistent' });
await db.migrate();
const deps = buildDeps(db, { bodyLimit: 1_048_576, missingAfter: 3 }, adminToken);
deps.ingest = new IngestService(db.orm, deps.catalog, { concurrentCommits: 10, maxItemsPerCommit: 1 });
const app = await buildApp(deps);
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
if (typeof address !== 'object' || !address) throw new Error('not listening');
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}` })}\n`);
const stop = async (): Promise<void> => {
  await app.close();
  await db.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());

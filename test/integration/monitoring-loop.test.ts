// The whole loop as a user runs it: a server process, a real agent process at
// a 1 s interval, a real monitored process — on PGlite and on PostgreSQL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { dbKinds } from '../helpers/app.ts';
import { createDatabase, dropDatabase } from '../helpers/postgres.ts';
import {
  api,
  killAll,
  startServerProcess,
  uniqueSleep,
  vilicus,
  waitFor,
  type ServerProc,
} from '../helpers/processes.ts';

const postgresUrl = inject('postgresUrl');

describe.each(dbKinds(postgresUrl))('monitoring loop on %s', (kind) => {
  {
    const dataDir = mkdtempSync(join(tmpdir(), 'vilicus-loop-'));
    const adminToken = `admin-${crypto.randomUUID()}`;
    let databaseUrl: string | undefined;
    afterAll(async () => {
      await killAll();
      if (databaseUrl) await dropDatabase(databaseUrl);
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('sees a process OK, CRITICAL on the next run after its death, and keeps it all across a restart', async () => {
      if (kind === 'postgres') databaseUrl = await createDatabase(postgresUrl!, 'vilicus_loop');
      let server: ServerProc = await startServerProcess({ dataDir, adminToken, databaseUrl });
      const call = () => api(server.url, adminToken);
      const agent = await call()('POST', '/api/v1/agents', { name: 'host-a' });
      expect(agent.status).toBe(201);
      const sleeper = uniqueSleep();
      const check = await call()('PUT', '/api/v1/checks/sleeper-running', {
        metadata: { name: 'sleeper-running' },
        spec: { process: { pattern: `^sleep ${sleeper.marker.replace('.', '\\.')}$` }, interval: '1s' },
      });
      expect(check.status).toBe(201);
      const agentProc = vilicus(['agent', '--server', server.url], { VILICUS_TOKEN: agent.body.token });
      const stateOf = async () => (await call()('GET', '/api/v1/checks/sleeper-running')).body.status.agents[0];

      await waitFor(
        async () => (await stateOf())?.status === 'OK',
        20_000,
        () => agentProc.output(),
      );
      expect(await stateOf()).toMatchObject({ agent: 'host-a', status: 'OK', value: 1 });

      const killedAt = Date.now();
      await sleeper.proc.stop('SIGKILL');
      await waitFor(
        async () => (await stateOf())?.status === 'CRITICAL',
        60_000,
        () => agentProc.output(),
      );
      const before = await stateOf();
      expect(before).toMatchObject({ status: 'CRITICAL', value: 0 });
      const history: { status: string; observedAt: string }[] = (
        await call()('GET', '/api/v1/checks/sleeper-running/results?limit=1000')
      ).body.items;
      // Counted in runs, not seconds (latency is bench/'s): after the kill, at
      // most the run already under way saw the process; the next one reports it.
      const afterKill = history
        .filter((r) => Date.parse(r.observedAt) >= killedAt)
        .sort((a, b) => Date.parse(a.observedAt) - Date.parse(b.observedAt));
      expect(afterKill.findIndex((r) => r.status === 'CRITICAL')).toBeOneOf([0, 1]);
      expect(history.filter((r) => r.status === 'OK').length).toBeGreaterThanOrEqual(1);

      await agentProc.stop();
      expect(await server.stop()).toBe(0); // SIGTERM: a clean exit
      server = await startServerProcess({ dataDir, adminToken, databaseUrl });
      expect(await stateOf()).toMatchObject({ status: 'CRITICAL', since: before.since });
      const after = (await call()('GET', '/api/v1/checks/sleeper-running/results?limit=1000')).body.items;
      const seen = (r: { status: string; observedAt: string }) => `${r.observedAt} ${r.status}`;
      expect(after.map(seen)).toEqual(history.map(seen));
      await server.stop();
    });
  }
});

// Two server replicas on one PostgreSQL: a check deleted on one while the
// other still accepts results for it (its catalogue is up to a second old).
// The results for the deleted check are refused alone; another agent posting
// in the same group-commit batches gets no 5xx and loses nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, dropDatabase } from '../../helpers/postgres.ts';
import { Client } from 'pg';
import { api, killAll, startServerProcess } from '../../helpers/processes.ts';

const postgresUrl = inject('postgresUrl');

// Two replicas need a database both can reach: PostgreSQL (PGlite serves one process).
describe.each(postgresUrl ? ['postgres'] : [])('a check deleted on another replica (%s)', () => {
  const dirs = [mkdtempSync(join(tmpdir(), 'vilicus-replica-a-')), mkdtempSync(join(tmpdir(), 'vilicus-replica-b-'))];
  let databaseUrl: string;
  afterAll(async () => {
    await killAll();
    if (databaseUrl) await dropDatabase(databaseUrl);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses only the results for it: the other agents get no 5xx and every result of theirs is stored', async () => {
    databaseUrl = await createDatabase(postgresUrl!, 'vilicus_replica_delete');
    const adminToken = `admin-${crypto.randomUUID()}`;
    const one = await startServerProcess({ dataDir: dirs[0]!, adminToken, databaseUrl });
    const two = await startServerProcess({ dataDir: dirs[1]!, adminToken, databaseUrl });
    const call = api(one.url, adminToken);
    const agent = async (name: string) => (await call('POST', '/api/v1/agents', { name })).body as { token: string };
    const [doomedPoster, bystander] = [await agent('replica-a'), await agent('replica-b')];
    const stays = (
      await call('PUT', '/api/v1/checks/stays', { metadata: { name: 'stays' }, spec: { cpu: { above: 90 } } })
    ).body.metadata.uid as string;
    // Posters of one agent at once: each post gets its own time, so no two are one result (ADR 10).
    let tick = Date.now();
    const post = async (token: string, checks: string[]) => {
      const observedAt = new Date(++tick).toISOString();
      const results = checks.map((check) => ({ id: crypto.randomUUID(), check, status: 'OK', observedAt }));
      const reply = await api(two.url, token)('POST', '/api/v1/check_history/', results);
      return { status: reply.status, body: reply.body, ids: results.map(() => observedAt) };
    };
    const bystanderStored: string[] = [];
    const statuses: number[] = [];
    let orphansRefused = 0;
    for (let round = 0; round < 4; round++) {
      const name = `doomed-${round}`;
      const doomed = (await call('PUT', `/api/v1/checks/${name}`, { metadata: { name }, spec: { cpu: { above: 90 } } }))
        .body.metadata.uid as string;
      // Replica two knows the check once it takes a result for it.
      while ((await post(doomedPoster.token, [doomed])).body.accepted !== 1);
      let deleted = false;
      let refusedThisRound = 0;
      const poster = async (token: string, checks: () => string[], own: boolean) => {
        while (refusedThisRound < 3) {
          const reply = await post(token, checks());
          statuses.push(reply.status);
          if (own && reply.status === 200) bystanderStored.push(...reply.ids);
          if (!own && deleted && reply.body?.rejected?.length) refusedThisRound++;
        }
      };
      const deletion = (async () => {
        await new Promise((r) => setTimeout(r, 100));
        expect((await call('DELETE', `/api/v1/checks/${name}`)).status).toBe(204);
        deleted = true;
      })();
      await Promise.all([
        poster(doomedPoster.token, () => [doomed, stays], false),
        ...[1, 2, 3].map(() => poster(bystander.token, () => [stays], true)),
        deletion,
      ]);
      orphansRefused += refusedThisRound;
    }
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(orphansRefused).toBeGreaterThanOrEqual(12);
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    // Minutes old at most: still in the hot table, not yet compacted.
    const { rows } = await db.query<{ id: string }>(
      `select to_char(r.observed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as id
       from "check_result" r join "agent" a on a.id = r.agent_id where a.name = 'replica-b'`,
    );
    await db.end();
    const storedIds = new Set(rows.map((r) => r.id));
    expect(bystanderStored.filter((id) => !storedIds.has(id))).toEqual([]);
    expect(bystanderStored.length).toBeGreaterThan(0);
  });
});

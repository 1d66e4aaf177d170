// When an agent's missing clock starts: at its first results, not at its
// registration. One that posts and dies before its first check-in is marked
// missing; one registered but never started is not. On PGlite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { agentsRepo } from '../../../server/api/deps.ts';
import { sql } from '../../../server/db/sql.ts';
import { sweepMissingAgents } from '../../../server/db/sweeps.repository.ts';
import { addAgent, dbKinds, putCheck, startTestApp, type TestApp } from '../../helpers/app.ts';

const postgresUrl = inject('postgresUrl');
const MINUTE = 60_000;

describe.each(dbKinds(postgresUrl))('missing clock of a new agent on %s', (kind) => {
  let t: TestApp;
  let checkId: string;
  const clock = Date.parse('2026-12-02T06:00:00Z');

  const deadlines = async () =>
    Object.fromEntries(
      (
        await sql<{
          name: string;
          deadline_at: Date | null;
        }>`select name, deadline_at from "agent" order by name`.execute(t.db.orm.em.fork().getKysely())
      ).rows.map((r) => [r.name, r.deadline_at === null ? null : new Date(r.deadline_at).toISOString()]),
    );
  const post = (agent: { auth: Record<string, string> }, at: number) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/check_history/',
      headers: agent.auth,
      payload: { check: checkId, status: 'OK', value: 1, observedAt: new Date(at).toISOString() },
    });

  beforeAll(async () => {
    t = await startTestApp(kind, postgresUrl);
    t.deps.now = () => new Date(clock);
    checkId = await putCheck(t, { metadata: { name: 'sshd-up' }, spec: { process: { name: 'sshd' }, interval: '1m' } });
  });
  afterAll(async () => t?.close());

  it('gives an agent a deadline at its first results, and a check-in moves it', async () => {
    const died = await addAgent(t, 'died-early', {});
    const alive = await addAgent(t, 'alive', {});
    await addAgent(t, 'never-started', {});
    expect((await post(died, clock - 1000)).statusCode).toBe(200);
    expect((await post(alive, clock - 1000)).statusCode).toBe(200);
    // --missing-after 3 × the 1 m interval, from the post.
    const firstDeadline = new Date(clock + 3 * MINUTE).toISOString();
    expect(await deadlines()).toEqual({ alive: firstDeadline, 'died-early': firstDeadline, 'never-started': null });

    t.deps.now = () => new Date(clock + MINUTE);
    const checkIn = await t.app.inject({ method: 'PUT', url: `/api/v1/agent/${alive.id}/`, headers: alive.auth });
    expect(checkIn.statusCode).toBe(200);
    // A later post keeps the check-in's deadline.
    expect((await post(alive, clock + MINUTE)).statusCode).toBe(200);
    expect((await deadlines()).alive).toBe(new Date(clock + 4 * MINUTE).toISOString());
    // So does a first contact from a row older than the check-in (another replica's cache, a race):
    // the write only ever fills a missing deadline.
    await agentsRepo(t.deps).firstContact(alive.id, new Date(clock + 2 * MINUTE));
    expect((await deadlines()).alive).toBe(new Date(clock + 4 * MINUTE).toISOString());
  });

  it('marks the agent that died before its first check-in missing at that deadline, and only it', async () => {
    const em = t.db.orm.em.fork();
    expect(await sweepMissingAgents(em, new Date(clock + 3 * MINUTE - 1))).toEqual([]);
    expect(await sweepMissingAgents(em, new Date(clock + 3 * MINUTE + 1))).toEqual(['died-early']);
    // The one that checked in goes at its own deadline; the one never started never does.
    expect(await sweepMissingAgents(em, new Date(clock + 4 * MINUTE + 1))).toEqual(['alive']);
    expect(await sweepMissingAgents(em, new Date(clock + 24 * 60 * MINUTE))).toEqual([]);
    const mails = await sql<{ kind: string; name: string }>`select n.kind, a.name from "notification" n
      join "agent" a on a.id = n.agent_id where n.kind = 'agent-missing' order by n.id`.execute(em.getKysely());
    expect(mails.rows).toEqual([
      { kind: 'agent-missing', name: 'died-early' },
      { kind: 'agent-missing', name: 'alive' },
    ]);
  });
});

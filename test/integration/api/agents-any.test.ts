// `agents: any`: one agent of the selected ones runs the check, and another
// takes it over when that one goes missing. On PGlite and on PostgreSQL.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sql } from '../../../server/db/sql.ts';
import { sweepMissingAgents } from '../../../server/db/sweeps.repository.ts';
import { addAgent, dbKinds, putCheck, startTestApp, type TestApp } from '../../helpers/app.ts';

const postgresUrl = inject('postgresUrl');
type Agent = Awaited<ReturnType<typeof addAgent>> & { name: string };

describe.each(dbKinds(postgresUrl))('agents: any on %s', (kind) => {
  let t: TestApp;
  let probes: Agent[];
  let other: Agent;
  let checkId: string;
  let chosen: Agent;
  let standby: Agent;
  let clock = Date.now();

  const config = async (agent: Agent, etag?: string) => {
    const headers = etag ? { ...agent.auth, 'if-none-match': etag } : agent.auth;
    const reply = await t.app.inject({ method: 'GET', url: '/api/v1/agent/config', headers });
    return {
      status: reply.statusCode,
      etag: reply.headers.etag as string,
      ids: reply.statusCode === 200 ? reply.json().checks.map((c: { id: string }) => c.id) : [],
    };
  };
  const checkIn = (agent: Agent) =>
    t.app.inject({ method: 'PUT', url: `/api/v1/agent/${agent.id}/`, headers: agent.auth });
  const post = async (agent: Agent, status = 'OK') => {
    clock += 1000;
    const payload = { check: checkId, status, value: 12, observedAt: new Date(clock).toISOString() };
    return (await t.app.inject({ method: 'POST', url: '/api/v1/check_history/', headers: agent.auth, payload })).json();
  };
  const states = async () =>
    (await t.app.inject({ method: 'GET', url: '/api/v1/checks/site-up', headers: t.admin })).json().status.agents;
  const mails = async () =>
    (
      await sql<{ kind: string; agent: string; status: string; message: string | null }>`
        select n.kind, a.name as agent, n.status, n.message from "notification" n join "agent" a on a.id = n.agent_id
        where n.check_id = ${checkId} order by n.id`.execute(t.db.orm.em.fork().getKysely())
    ).rows;
  /** What the sweep and check-ins change is seen at once, not after the catalogue's 1 s cache. */
  const fresh = () => t.deps.catalog.invalidate();

  beforeAll(async () => {
    t = await startTestApp(kind, postgresUrl);
    t.deps.now = () => new Date(clock);
    const add = async (name: string, role: string): Promise<Agent> => ({
      ...(await addAgent(t, name, { role })),
      name,
    });
    probes = [await add('probe-1', 'probe'), await add('probe-2', 'probe'), await add('probe-3', 'probe')];
    other = await add('web-1', 'web');
    checkId = await putCheck(t, {
      metadata: { name: 'site-up' },
      spec: {
        http: { url: 'https://example.com/' },
        nodeSelector: { matchLabels: { role: 'probe' } },
        agents: 'any',
        interval: '30s',
      },
    });
    for (const agent of [...probes, other]) expect((await checkIn(agent)).statusCode).toBe(200);
    fresh();
  });
  afterAll(async () => t?.close());

  it('gives the check to exactly one of the selected agents', async () => {
    const holders: Agent[] = [];
    for (const agent of probes) if ((await config(agent)).ids.includes(checkId)) holders.push(agent);
    expect(holders).toHaveLength(1);
    expect((await config(other)).ids).toEqual([]);
    [chosen] = holders as [Agent];
    standby = probes.find((a) => a !== chosen)!;
  });

  it('keeps the choice while nothing changes', async () => {
    for (let i = 0; i < 3; i++) {
      fresh();
      expect((await config(chosen)).ids).toEqual([checkId]);
    }
  });

  it('takes results only from the chosen agent', async () => {
    expect(await post(chosen)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(await post(standby)).toMatchObject({ accepted: 0, rejected: [{ error: 'VILICUS_ERR_UNKNOWN_CHECK' }] });
    expect(await states()).toEqual([expect.objectContaining({ agent: chosen.name, status: 'OK' })]);
  });

  it('mails a problem on the chosen agent', async () => {
    expect(await post(chosen, 'CRITICAL')).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(await mails()).toEqual([{ kind: 'problem', agent: chosen.name, status: 'CRITICAL', message: null }]);
  });

  it('moves the check to another selected agent when the chosen one goes missing', async () => {
    const before = new Map<Agent, string>();
    for (const agent of probes) before.set(agent, (await config(agent)).etag);
    // Everyone but the chosen agent checks in later, so only the chosen one is past its deadline.
    clock += 10 * 60_000;
    for (const agent of [...probes, other]) if (agent !== chosen) await checkIn(agent);
    expect(await sweepMissingAgents(t.db.orm.em.fork(), new Date(clock + 60_000))).toEqual([chosen.name]);
    fresh();

    const holders: Agent[] = [];
    for (const agent of probes) {
      const { status, ids } = await config(agent, before.get(agent));
      if (ids.includes(checkId)) holders.push(agent);
      // the agents whose list changed see a new ETag at their next poll
      if (agent === chosen || ids.includes(checkId)) expect(status).toBe(200);
    }
    expect(holders).toHaveLength(1);
    expect(holders[0]).not.toBe(chosen);
    standby = holders[0]!;
  });

  it('then takes results from the new agent only, and shows only its state', async () => {
    expect(await post(chosen)).toMatchObject({ accepted: 0, rejected: [{ error: 'VILICUS_ERR_UNKNOWN_CHECK' }] });
    expect(await states()).toEqual([expect.objectContaining({ agent: chosen.name, status: 'UNKNOWN' })]);
    expect(await post(standby, 'CRITICAL')).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    // the missing agent's UNKNOWN is history once the new agent has reported
    expect(await states()).toEqual([expect.objectContaining({ agent: standby.name, status: 'CRITICAL' })]);
    // the problem mailed for the first agent is ended; the new agent's problem is mailed for itself
    expect((await mails()).slice(1)).toEqual([
      { kind: 'problem', agent: standby.name, status: 'CRITICAL', message: null },
      {
        kind: 'resolved',
        agent: chosen.name,
        status: 'OK',
        message: `no longer checked here: agent ${standby.name} runs this check now`,
      },
    ]);
  });

  it('gives the check back when the first agent returns', async () => {
    expect((await checkIn(chosen)).statusCode).toBe(200);
    fresh();
    expect((await config(chosen)).ids).toEqual([checkId]);
    expect((await config(standby)).ids).toEqual([]);
    expect(await post(chosen)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(await states()).toEqual([expect.objectContaining({ agent: chosen.name, status: 'OK' })]);
  });

  it('runs on no agent when every selected agent is missing', async () => {
    clock += 60 * 60_000;
    await checkIn(other);
    expect((await sweepMissingAgents(t.db.orm.em.fork(), new Date(clock + 1000))).sort()).toEqual(
      probes.map((a) => a.name).sort(),
    );
    fresh();
    for (const agent of probes) expect((await config(agent)).ids).toEqual([]);
  });
});

// An agent whose clock is hours off. The server's clock rules: deadlines
// (missing agents) use only the server's time; an observation more than a
// minute in the future, or more than a year in the past, is stamped with its
// receipt time (README, "Clocks"); other past times are kept as sent.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addAgent, dbKinds, putCheck, startTestApp, type TestApp } from '../../helpers/app.ts';

const postgresUrl = inject('postgresUrl');
const HOUR = 3_600_000;

describe.each(dbKinds(postgresUrl))('clock skew on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, postgresUrl);
  });
  afterAll(async () => t?.close());

  const post = async (auth: { authorization: string }, payload: object) =>
    (await t.app.inject({ method: 'POST', url: '/api/v1/check_history/', headers: auth, payload })).json();
  const get = async (url: string) => (await t.app.inject({ method: 'GET', url, headers: t.admin })).json();
  const near = (iso: string, at: number) => Math.abs(Date.parse(iso) - at) < 10_000;

  it('stamps a result from a clock hours ahead with its receipt time, so a fixed clock is not ignored', async () => {
    const agent = await addAgent(t, 'ahead');
    const check = await putCheck(t, { metadata: { name: 'ahead' }, spec: { cpu: { above: 90 } } });
    const future = { check, status: 'CRITICAL', value: 99, observedAt: new Date(Date.now() + 3 * HOUR).toISOString() };
    expect(await post(agent.auth, future)).toMatchObject({ accepted: 1 });
    const [stored] = (await get('/api/v1/checks/ahead/results')).items;
    expect(near(stored.observedAt, Date.now())).toBe(true);
    expect(near((await get('/api/v1/checks/ahead')).status.agents[0].since, Date.now())).toBe(true);
    // A retry of the same result (no id: derived from the time it claims) is still a duplicate.
    expect(await post(agent.auth, future)).toMatchObject({ accepted: 0, duplicates: 1 });
    // The clock is fixed: the next result counts at once instead of waiting three hours.
    await new Promise((r) => setTimeout(r, 20));
    const ok = { check, status: 'OK', value: 1, observedAt: new Date().toISOString() };
    expect(await post(agent.auth, ok)).toMatchObject({ accepted: 1 });
    expect((await get('/api/v1/checks/ahead')).status.agents[0].status).toBe('OK');
  });

  it('keeps the times of a clock hours behind, evaluates in order, and never marks it missing for that', async () => {
    const agent = await addAgent(t, 'behind');
    const check = await putCheck(t, { metadata: { name: 'behind' }, spec: { cpu: { above: 90 }, interval: '10s' } });
    const at = (ms: number) => new Date(Date.now() - 3 * HOUR + ms).toISOString();
    const results = [
      { check, status: 'OK', value: 1, observedAt: at(0) },
      { check, status: 'CRITICAL', value: 99, observedAt: at(10_000) },
    ];
    expect(await post(agent.auth, results)).toMatchObject({ accepted: 2 });
    const state = (await get('/api/v1/checks/behind')).status.agents[0];
    expect(state).toMatchObject({ status: 'CRITICAL', since: results[1]!.observedAt });
    // Check-in: the missing deadline runs on the server's clock, not the agent's.
    const out = await t.app.inject({ method: 'PUT', url: `/api/v1/agent/${agent.id}/`, headers: agent.auth });
    expect(near(out.json().lastSeenAt, Date.now())).toBe(true);
    expect((await get('/api/v1/agents/behind')).missing).toBe(false);
  });

  it('stamps a result from a clock that was never set (1970, or year 0) with its receipt time', async () => {
    const agent = await addAgent(t, 'unset');
    const check = await putCheck(t, { metadata: { name: 'unset' }, spec: { cpu: { above: 90 } } });
    for (const observedAt of ['1970-01-01T00:00:05Z', '0000-01-01T00:00:00Z']) {
      expect(await post(agent.auth, { check, status: 'OK', observedAt })).toMatchObject({ accepted: 1 });
    }
    const items: { observedAt: string }[] = (await get('/api/v1/checks/unset/results')).items;
    expect(items).toHaveLength(2);
    for (const r of items) expect(near(r.observedAt, Date.now()), r.observedAt).toBe(true);
    // The series still takes results (a year-0 time used to break it for good).
    const ok = { check, status: 'CRITICAL', value: 99, observedAt: new Date(Date.now() + 1000).toISOString() };
    expect(await post(agent.auth, ok)).toMatchObject({ accepted: 1 });
  });
});

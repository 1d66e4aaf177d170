// A result's identity is its check, its agent and its observation time (ADR
// 10): a resend is a duplicate whatever id it carries (ids are compared
// case-insensitively, RFC 4122), another agent's result of the same time is
// its own, and one result repeated in one post is counted once.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addAgent, dbKinds, putCheck, startTestApp, type TestApp } from '../../helpers/app.ts';

const postgresUrl = inject('postgresUrl');

describe.each(dbKinds(postgresUrl))('result ids on %s', (kind) => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof addAgent>>;
  let b: Awaited<ReturnType<typeof addAgent>>;
  let cpuId: string;
  let clock = Date.now();
  const result = (id: string, status: string, check = cpuId, at = (clock += 1000)) => ({
    id,
    check,
    status,
    observedAt: new Date(at).toISOString(),
  });
  const post = async (agent: typeof a, payload: object) =>
    (await t.app.inject({ method: 'POST', url: '/api/v1/check_history/', headers: agent.auth, payload })).json<{
      accepted: number;
    }>();
  const stateOf = async (agent: string) => {
    const check = await t.app.inject({ method: 'GET', url: '/api/v1/checks/cpu-ids', headers: t.admin });
    return check.json().status.agents.find((s: { agent: string }) => s.agent === agent)?.status;
  };
  const count = async () =>
    (await t.app.inject({ method: 'GET', url: '/api/v1/checks/cpu-ids/results?limit=1000', headers: t.admin })).json()
      .items.length;

  beforeAll(async () => {
    t = await startTestApp(kind, postgresUrl);
    a = await addAgent(t, 'ids-a');
    b = await addAgent(t, 'ids-b');
    cpuId = await putCheck(t, { metadata: { name: 'cpu-ids' }, spec: { cpu: { above: 90 } } });
  });
  afterAll(async () => t?.close());

  it('stores and evaluates a result whose ids are in upper case, and takes the lower-case retry as a duplicate', async () => {
    const id = crypto.randomUUID();
    const upper = result(id.toUpperCase(), 'CRITICAL', cpuId.toUpperCase());
    expect(await post(a, upper)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(await stateOf('ids-a')).toBe('CRITICAL');
    expect(await post(a, { ...upper, id, check: cpuId })).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    // A resend under another id (or none) is the same result: same check, agent and time.
    expect(await post(a, { ...upper, id: crypto.randomUUID() })).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
  });

  it("stores another agent's result of the same time and id, and evaluates it", async () => {
    const shared = result(crypto.randomUUID(), 'OK');
    expect(await post(a, shared)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(await post(b, { ...shared, status: 'CRITICAL' })).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(await stateOf('ids-a')).toBe('OK');
    expect(await stateOf('ids-b')).toBe('CRITICAL');
  });

  it('counts one result posted twice in one request, or in two requests at once, as stored once', async () => {
    const before = await count();
    const twice = result(crypto.randomUUID(), 'OK');
    expect(await post(a, [twice, twice])).toEqual({
      accepted: 1,
      duplicates: 1,
      rejected: [],
    });
    const racing = result(crypto.randomUUID(), 'OK');
    const replies = await Promise.all([post(a, [racing]), post(a, [racing])]);
    expect(replies.map((r) => r.accepted).sort()).toEqual([0, 1]);
    expect(await count()).toBe(before + 2);
  });
});

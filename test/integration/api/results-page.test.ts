// GET /api/v1/checks/{name}/results pages through any time range newest
// first, hot and compacted results alike, with a cursor while there is more;
// a bad query is a catalogue error naming its field. Results past retention
// are refused at ingest with a reason, never stored to be dropped.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addAgent, dbKinds, putCheck, startTestApp, type TestApp } from '../../helpers/app.ts';
import { maintainHistory } from '../../../server/db/history-maintenance.ts';
import { IngestService } from '../../../server/ingest/ingest-service.ts';

const postgresUrl = inject('postgresUrl');
const HOUR = 3_600_000;

interface Item {
  agent: string;
  status: string;
  value: number | null;
  message: string | null;
  observedAt: string;
}

describe.each(dbKinds(postgresUrl))('results pages on %s', (kind) => {
  let t: TestApp;
  const now = Date.now();
  const expected: Item[] = [];
  const get = async (query: string) =>
    t.app.inject({ method: 'GET', url: `/api/v1/checks/paged/results${query}`, headers: t.admin });

  beforeAll(async () => {
    t = await startTestApp(kind, postgresUrl);
    const check = await putCheck(t, { metadata: { name: 'paged' }, spec: { cpu: { above: 90 } } });
    for (const name of ['page-a', 'page-b']) {
      const agent = await addAgent(t, name);
      // Every 2 min for 10 hours: the older hours get compacted, the last ones stay hot.
      const results = Array.from({ length: 300 }, (_, i) => {
        const at = now - 10 * HOUR + i * 120_000 + (name === 'page-a' ? 0 : 7);
        const status = i % 50 === 7 ? 'CRITICAL' : 'OK';
        return { check, status, value: (i % 100) / 10, message: `busy ${i}`, observedAt: new Date(at).toISOString() };
      });
      const reply = await t.app.inject({
        method: 'POST',
        url: '/api/v1/check_history/',
        headers: agent.auth,
        payload: results,
      });
      expect(reply.json()).toMatchObject({ accepted: 300 });
      expected.push(
        ...results.map((r) => ({
          agent: name,
          status: r.status,
          value: r.value,
          message: r.message,
          observedAt: r.observedAt,
        })),
      );
    }
    expected.sort((a, b) => Date.parse(b.observedAt) - Date.parse(a.observedAt) || (a.agent < b.agent ? 1 : -1));
    const done = await maintainHistory(t.db.orm.em.fork(), new Date(now), 7 * 86_400_000, { databaseUrl: t.db.url });
    expect(done.compacted).toBeGreaterThan(400); // most of it is in blocks now
  });
  afterAll(async () => t?.close());

  const pageAll = async (query: string, limit: number): Promise<Item[]> => {
    const items: Item[] = [];
    let cursor: string | undefined;
    do {
      const reply = await get(`?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(reply.statusCode).toBe(200);
      const body = reply.json<{ items: Item[]; cursor?: string }>();
      expect(body.items.length).toBeLessThanOrEqual(limit);
      items.push(...body.items);
      cursor = body.cursor;
    } while (cursor);
    return items;
  };

  it('pages through every result of both agents, newest first, each once', async () => {
    expect(await pageAll('', 70)).toEqual(expected);
    expect(await pageAll('', 1000)).toEqual(expected);
  });

  it('keeps to one agent and to a time range', async () => {
    expect(await pageAll('&agent=page-b', 100)).toEqual(expected.filter((r) => r.agent === 'page-b'));
    const from = new Date(now - 7 * HOUR).toISOString();
    const to = new Date(now - 2 * HOUR).toISOString();
    const within = expected.filter((r) => r.observedAt >= from && r.observedAt < to);
    expect(within.length).toBeGreaterThan(100);
    expect(await pageAll(`&from=${from}&to=${to}`, 45)).toEqual(within);
  });

  it.each([
    ['?limit=0', 'querystring/limit'],
    ['?limit=1001', 'querystring/limit'],
    ['?limit=ten', 'querystring/limit'],
    ['?from=yesterday', 'querystring/from'],
    ['?to=2026-13-01T00:00:00Z', 'querystring/to'],
    ['?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z', 'querystring/from'],
    ['?cursor=bm90LWEtY3Vyc29y', 'querystring/cursor'],
  ])('answers %s with a validation error naming %s', async (query, field) => {
    const reply = await get(query);
    expect(reply.statusCode).toBe(400);
    expect(reply.json()).toMatchObject({ error: 'VILICUS_ERR_VALIDATION', field });
  });

  it('answers an unknown agent with not found, naming the field', async () => {
    const reply = await get('?agent=nobody');
    expect(reply.statusCode).toBe(404);
    expect(reply.json()).toMatchObject({ error: 'VILICUS_ERR_NOT_FOUND', field: 'querystring/agent' });
  });

  it('refuses a result older than the retention with its reason, and stores the rest', async () => {
    const ingest = new IngestService(t.db.orm, t.deps.catalog, { retentionMs: 86_400_000 });
    const rows = await t.db.orm.em
      .fork()
      .getConnection()
      .execute<{ id: string; labels: Record<string, string> }[]>(
        `select id, labels from "agent" where name = 'page-a'`,
      );
    const check = (await get('?limit=1')).json<{ items: Item[] }>(); // the check exists
    expect(check.items).toHaveLength(1);
    const checkId = (await t.app.inject({ method: 'GET', url: '/api/v1/checks/paged', headers: t.admin })).json<{
      metadata: { uid: string };
    }>().metadata.uid;
    const reply = await ingest.ingest({ id: rows[0]!.id, name: 'page-a', labels: rows[0]!.labels }, [
      { check: checkId, status: 'OK', observedAt: new Date(now - 2 * 86_400_000).toISOString() },
      { check: checkId, status: 'OK', observedAt: new Date(now - 1000).toISOString() },
    ]);
    expect(reply.accepted).toBe(1);
    expect(reply.rejected).toEqual([
      {
        index: 0,
        error: 'VILICUS_ERR_PAST_RETENTION',
        message: expect.stringMatching(/older than the 1-day retention/),
      },
    ]);
  });
});

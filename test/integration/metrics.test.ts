// GET /metrics on a real database, checked by the real promtool; the example
// PrometheusRule and Grafana dashboard are checked against what is exported.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { addAgent, dbKinds, putCheck, startTestApp, type TestApp } from '../helpers/app.ts';
import { createMetrics } from '../../server/metrics/registry.ts';
import { promtool } from '../helpers/tools.ts';

const postgresUrl = inject('postgresUrl');
const examples = new URL('../../examples/prometheus/', import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'vilicus-promtool-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[], input?: string): { status: number | null; output: string } {
  const result = spawnSync(promtool.require(), args, { input, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Series names a scrape holds, with the _bucket/_sum/_count of histograms. */
function seriesNames(text: string): Set<string> {
  return new Set(text.split('\n').flatMap((l) => (l && !l.startsWith('#') ? [l.split(/[{ ]/)[0]!] : [])));
}

/** Everything the server can export, the outbox gauge included (registered when there is an outbox to read). */
async function allSeriesNames(): Promise<Set<string>> {
  const metrics = createMetrics({
    version: '0',
    isLeader: () => true,
    states: () =>
      Promise.resolve([
        {
          namespace: 'n',
          check: 'c',
          kind: 'cpu',
          agent: 'a',
          status: 'OK',
          since: 0,
          value: 1,
          message: null,
          lastResultAt: 0,
          pendingStatus: 'CRITICAL',
          pendingSince: 0,
          pendingCountsAt: 60,
        },
      ]),
    agents: () => Promise.resolve([{ name: 'a', labels: {}, missing: false, lastSeenAt: 0, version: null }]),
    pool: () => Promise.resolve(null),
  });
  metrics.alerts.outboxDepthFrom(() => 0);
  return seriesNames((await metrics.scrape()).body.toString('utf8'));
}

describe.runIf(promtool.run).each(dbKinds(postgresUrl))('GET /metrics on %s', (kind) => {
  {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(kind, postgresUrl);
      const web = await addAgent(t, 'web-1');
      await addAgent(t, 'web-2'); // registered, never checked in
      const nginx = await putCheck(t, {
        metadata: { name: 'nginx-running', namespace: 'web' },
        spec: { process: { name: 'nginx' } },
      });
      const cpu = await putCheck(t, { metadata: { name: 'cpu-busy' }, spec: { cpu: { above: 90 } } });
      const at = new Date().toISOString();
      const post = (payload: object) =>
        t.app.inject({ method: 'POST', url: '/api/v1/check_history/', headers: web.auth, payload });
      const id = crypto.randomUUID();
      await post([
        { id, check: nginx, status: 'CRITICAL', value: 0, message: 'no nginx', observedAt: at },
        { check: cpu, status: 'OK', value: 12.5, observedAt: at },
      ]);
      await post([{ id, check: nginx, status: 'CRITICAL', value: 0, observedAt: at }]); // a retry
      await t.app.inject({ method: 'PUT', url: `/api/v1/agent/${web.id}/`, headers: web.auth, payload: {} });
    });
    afterAll(async () => t?.close());

    it('passes promtool check metrics (format and lint)', async () => {
      const reply = await t.app.inject({ method: 'GET', url: '/metrics' });
      expect(reply.statusCode).toBe(200);
      expect(reply.headers['content-type']).toContain('text/plain');
      const { status, output } = run(['check', 'metrics'], reply.body);
      expect(output).toBe('');
      expect(status).toBe(0);
    });

    it('exports the states from the database with bounded labels and counts ingest', async () => {
      const body = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(body).toContain(
        'vilicus_check_status{namespace="web",check="nginx-running",kind="process",agent="web-1"} 2',
      );
      expect(body).toContain('vilicus_check_value{namespace="default",check="cpu-busy",kind="cpu",agent="web-1"} 12.5');
      expect(body).toContain('vilicus_agent_missing{agent="web-2"} 0');
      expect(body).toMatch(/^vilicus_agent_last_seen_timestamp_seconds\{agent="web-1"\} \d+/m);
      expect(body).toContain('vilicus_results_ingested_total{status="CRITICAL"} 1');
      expect(body).toContain('vilicus_results_ingested_total{status="OK"} 1');
      expect(body).toContain('vilicus_results_duplicate_total 1');
      expect(body).toContain('vilicus_database_up 1');
      expect(body).toMatch(/^vilicus_db_pool_max_connections \d+/m);
      expect(body).toContain('vilicus_ingest_batch_size_count 2');
      // No vilicus label carries a per-result value (an id, a message, a time); channel and receiver
      // (vilicus_notifications_total) name configured receivers only.
      const ours = body.split('\n').filter((l) => l.startsWith('vilicus_'));
      const labelNames = new Set(ours.flatMap((l) => [...l.matchAll(/[{,]([a-z_]+)="/g)].map((m) => m[1])));
      expect([...labelNames].sort()).toEqual([
        'agent',
        'channel',
        'check',
        'kind',
        'le',
        'namespace',
        'outcome',
        'receiver',
        'status',
        'version',
      ]);
    });
  }
});

describe.runIf(promtool.run)('examples/prometheus', () => {
  const rules = parse(readFileSync(new URL('vilicus-rules.yaml', examples), 'utf8'));
  const dashboard = JSON.parse(readFileSync(new URL('grafana-dashboard.json', examples), 'utf8'));
  const dashboardExprs: string[] = dashboard.panels.flatMap((p: { targets: { expr: string }[] }) =>
    p.targets.map((target) => target.expr),
  );

  it('the PrometheusRule spec passes promtool check rules', () => {
    expect(rules).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule' });
    const file = join(work, 'rules.yaml');
    writeFileSync(file, stringify(rules.spec));
    const { status, output } = run(['check', 'rules', file]);
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });

  it('fires VilicusCheckCritical after a minute of CRITICAL, once for two replicas (promtool test rules)', () => {
    writeFileSync(join(work, 'rules.yaml'), stringify(rules.spec));
    const series = (instance: string) => ({
      series: `vilicus_check_status{namespace="web",check="nginx-running",kind="process",agent="web-1",instance="${instance}"}`,
      values: '0 2 2 2 2',
    });
    const test = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '30s',
      tests: [
        {
          interval: '30s',
          input_series: [series('a'), series('b')],
          alert_rule_test: [
            { eval_time: '1m', alertname: 'VilicusCheckCritical', exp_alerts: [] },
            {
              eval_time: '2m',
              alertname: 'VilicusCheckCritical',
              exp_alerts: [
                {
                  exp_labels: {
                    severity: 'critical',
                    namespace: 'web',
                    check: 'nginx-running',
                    kind: 'process',
                    agent: 'web-1',
                  },
                  exp_annotations: {
                    summary: 'Check web/nginx-running is CRITICAL on web-1',
                    description: 'The process check has been CRITICAL on web-1 for at least a minute.',
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    writeFileSync(join(work, 'rules.test.yaml'), stringify(test));
    const { status, output } = run(['test', 'rules', join(work, 'rules.test.yaml')]);
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });

  it('the Grafana dashboard queries parse as PromQL (promtool) and use only exported metrics', async () => {
    const asRules = {
      groups: [
        {
          name: 'dashboard',
          rules: dashboardExprs.map((expr, i) => ({
            record: `dashboard:query_${i}`,
            expr: expr.replaceAll('$__rate_interval', '5m').replaceAll(/\$[a-z]+/g, '.*'),
          })),
        },
      ],
    };
    const file = join(work, 'dashboard-queries.yaml');
    writeFileSync(file, stringify(asRules));
    const { status, output } = run(['check', 'rules', file]);
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
    const used = new Set(
      [...dashboardExprs, JSON.stringify(rules)].flatMap((e) =>
        [...e.matchAll(/\b((?:vilicus|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1]!),
      ),
    );
    const exported = await allSeriesNames();
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
  });
});

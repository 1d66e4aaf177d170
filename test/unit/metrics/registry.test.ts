import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AgentFact, StateFact } from '../../../server/db/dashboard.repository.ts';
import { createMetrics, STATUS_CODE, type Metrics, type MetricsSources } from '../../../server/metrics/registry.ts';

/** The exposition of one scrape, as text. */
async function scrapeText(metrics: Metrics): Promise<string> {
  return (await metrics.scrape()).body.toString('utf8');
}

function state(overrides: Partial<StateFact> = {}): StateFact {
  return {
    namespace: 'default',
    check: 'nginx-running',
    kind: 'process',
    agent: 'web-1',
    status: 'CRITICAL',
    since: 1_700_000_000,
    value: 0,
    message: 'no nginx',
    lastResultAt: 1_700_000_100,
    pendingStatus: null,
    pendingSince: null,
    pendingCountsAt: null,
    ...overrides,
  };
}

const agent: AgentFact = { name: 'web-1', labels: {}, missing: false, lastSeenAt: 1_700_000_200, version: '0.1.0' };

function sources(overrides: Partial<MetricsSources> = {}): MetricsSources & { calls: { states: number } } {
  const calls = { states: 0 };
  return {
    calls,
    version: '9.9.9',
    isLeader: () => true,
    states: () => (
      calls.states++,
      Promise.resolve([state(), state({ check: 'cpu', kind: 'cpu', status: 'OK', value: 12.5 })])
    ),
    agents: () => Promise.resolve([agent, { ...agent, name: 'web-2', missing: true, lastSeenAt: null }]),
    pool: () => Promise.resolve({ total: 3, idle: 2, waiting: 0, max: 10 }),
    ...overrides,
  };
}

/** The value of one sample line, e.g. sample(text, 'vilicus_leader'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('status encoding', () => {
  it('follows the Nagios exit codes, so a higher number is a worse state', () => {
    expect(STATUS_CODE).toEqual({ OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 });
  });
});

describe('createMetrics', () => {
  it('exports each state, value and agent from one read of the states per scrape', async () => {
    const src = sources();
    const body = await scrapeText(createMetrics(src));
    const labels = 'namespace="default",check="nginx-running",kind="process",agent="web-1"';
    expect(sample(body, `vilicus_check_status{${labels}}`)).toBe(2);
    expect(sample(body, `vilicus_check_value{${labels}}`)).toBe(0);
    expect(sample(body, `vilicus_check_status_since_timestamp_seconds{${labels}}`)).toBe(1_700_000_000);
    expect(sample(body, 'vilicus_check_value{namespace="default",check="cpu",kind="cpu",agent="web-1"}')).toBe(12.5);
    expect(sample(body, 'vilicus_agent_missing{agent="web-2"}')).toBe(1);
    expect(sample(body, 'vilicus_agent_last_seen_timestamp_seconds{agent="web-1"}')).toBe(1_700_000_200);
    expect(body).not.toContain('vilicus_agent_last_seen_timestamp_seconds{agent="web-2"}'); // never seen: absent
    expect(sample(body, 'vilicus_database_up')).toBe(1);
    expect(sample(body, 'vilicus_db_pool_connections')).toBe(3);
    expect(sample(body, 'vilicus_leader')).toBe(1);
    expect(sample(body, 'vilicus_build_info{version="9.9.9"}')).toBe(1);
    expect(body).toContain('process_cpu_seconds_total');
    expect(src.calls.states).toBe(1);
  });

  it.each<[string, Partial<StateFact>, number | undefined, number | undefined]>([
    // OK while a CRITICAL fills its window: the status stays 0, the pending problem has its own series
    ['an OK pair with a problem pending', { status: 'OK', pendingStatus: 'CRITICAL' }, 0, 2],
    // no state yet: no status series at all (it is not failing), only the pending one
    ['a PENDING pair', { status: 'PENDING', pendingStatus: 'WARNING' }, undefined, 1],
    // nothing waits: no pending series
    ['a CRITICAL pair with nothing pending', {}, 2, undefined],
  ])('exports the status and pending series of %s', async (_name, overrides, status, pending) => {
    const fact = state({ pendingSince: 1_700_000_050, pendingCountsAt: 1_700_000_110, ...overrides });
    const body = await scrapeText(createMetrics(sources({ states: () => Promise.resolve([fact]) })));
    const labels = 'namespace="default",check="nginx-running",kind="process",agent="web-1"';
    expect(sample(body, `vilicus_check_status{${labels}}`)).toBe(status);
    expect(sample(body, `vilicus_check_status_since_timestamp_seconds{${labels}}`)).toBe(
      status === undefined ? undefined : 1_700_000_000,
    );
    expect(sample(body, `vilicus_check_pending{${labels}}`)).toBe(pending);
    expect(sample(body, `vilicus_check_pending_counts_at_timestamp_seconds{${labels}}`)).toBe(
      pending === undefined ? undefined : 1_700_000_110,
    );
    expect(sample(body, `vilicus_check_value{${labels}}`)).toBe(0); // the last value, whatever the state
  });

  it('drops the states of a check that is gone by the next scrape', async () => {
    let list = [state()];
    const metrics = createMetrics(sources({ states: () => Promise.resolve(list) }));
    expect(await scrapeText(metrics)).toContain('check="nginx-running"');
    list = [];
    expect(await scrapeText(metrics)).not.toContain('check="nginx-running"');
  });

  it('reports the database down and exports no states when the read fails, instead of failing the scrape', async () => {
    const metrics = createMetrics(sources({ states: () => Promise.reject(new Error('connection refused')) }));
    const body = await scrapeText(metrics);
    expect(sample(body, 'vilicus_database_up')).toBe(0);
    expect(body).not.toMatch(/^vilicus_check_status\{/m);
  });

  it('counts stored results by status, retries as duplicates, and observes batch size and time', async () => {
    const metrics = createMetrics(sources());
    const items = [
      { id: 'a', status: 'OK' as const },
      { id: 'b', status: 'CRITICAL' as const },
      { id: 'c', status: 'OK' as const },
    ];
    metrics.ingest.batchCommitted(items, new Set([items[0]!, items[1]!]), 0.004);
    metrics.ingest.batchFailed(items, 0.2);
    const body = await scrapeText(metrics);
    expect(sample(body, 'vilicus_results_ingested_total{status="OK"}')).toBe(1);
    expect(sample(body, 'vilicus_results_ingested_total{status="CRITICAL"}')).toBe(1);
    expect(sample(body, 'vilicus_results_ingested_total{status="WARNING"}')).toBe(0);
    expect(sample(body, 'vilicus_results_duplicate_total')).toBe(1);
    expect(sample(body, 'vilicus_ingest_batch_size_sum')).toBe(3);
    expect(sample(body, 'vilicus_ingest_batch_duration_seconds_count')).toBe(2);
    expect(sample(body, 'vilicus_ingest_batch_failures_total')).toBe(1);
  });

  it('counts notifications by outcome and reads the outbox depth only once told how', async () => {
    const metrics = createMetrics(sources());
    expect(await scrapeText(metrics)).not.toContain('vilicus_outbox_depth');
    metrics.alerts.notificationSent('sent');
    metrics.alerts.notificationSent('failed');
    metrics.alerts.notificationSent('sent');
    const { notificationSent } = metrics.alerts; // passed unbound, as the notifier's onOutcome hook
    notificationSent('retry', 3);
    notificationSent('failed', 2, { type: 'webhook', receiver: 'ops' });
    notificationSent('dropped', 4, { type: 'webhook', receiver: 'gone' }); // a receiver removed from the settings
    metrics.alerts.outboxDepthFrom(() => Promise.resolve(7));
    const body = await scrapeText(metrics);
    expect(sample(body, 'vilicus_notifications_total{channel="email",receiver="",outcome="sent"}')).toBe(2);
    expect(sample(body, 'vilicus_notifications_total{channel="email",receiver="",outcome="failed"}')).toBe(1);
    expect(sample(body, 'vilicus_notifications_total{channel="email",receiver="",outcome="retry"}')).toBe(3);
    expect(sample(body, 'vilicus_notifications_total{channel="email",receiver="",outcome="silenced"}')).toBe(0);
    expect(sample(body, 'vilicus_notifications_total{channel="webhook",receiver="ops",outcome="failed"}')).toBe(2);
    expect(sample(body, 'vilicus_notifications_total{channel="webhook",receiver="ops",outcome="sent"}')).toBe(0);
    expect(sample(body, 'vilicus_notifications_total{channel="webhook",receiver="ops",outcome="dropped"}')).toBe(0);
    expect(sample(body, 'vilicus_notifications_total{channel="webhook",receiver="gone",outcome="dropped"}')).toBe(4);
    expect(sample(body, 'vilicus_outbox_depth')).toBe(7);
  });

  it('reads the outbox depth from its source when there is one, NaN when the read fails', async () => {
    expect(
      sample(
        await scrapeText(createMetrics(sources({ outboxDepth: () => Promise.resolve(4) }))),
        'vilicus_outbox_depth',
      ),
    ).toBe(4);
    const failing = createMetrics(sources({ outboxDepth: () => Promise.reject(new Error('down')) }));
    expect(sample(await scrapeText(failing), 'vilicus_outbox_depth')).toBeNaN();
  });

  it('says 1 for leader on every replica until told who holds the Lease', async () => {
    const metrics = createMetrics(sources());
    expect(sample(await scrapeText(metrics), 'vilicus_leader')).toBe(1);
    let holds = false;
    metrics.leaderFrom(() => holds);
    expect(sample(await scrapeText(metrics), 'vilicus_leader')).toBe(0);
    holds = true;
    expect(sample(await scrapeText(metrics), 'vilicus_leader')).toBe(1);
  });

  it('keeps two registries apart (tests build many apps in one process)', async () => {
    const one = createMetrics(sources());
    createMetrics(sources()).alerts.notificationSent('sent');
    expect(
      sample(await scrapeText(one), 'vilicus_notifications_total{channel="email",receiver="",outcome="sent"}'),
    ).toBe(0);
  });
});

describe('README "Metrics" section', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Metrics'), readme.indexOf('\n## ', readme.indexOf('## Metrics') + 1));

  it('documents every vilicus_ metric the server exports, and no other', async () => {
    const metrics = createMetrics(sources());
    metrics.alerts.outboxDepthFrom(() => 0);
    const body = await scrapeText(metrics);
    const exported = [...body.matchAll(/^# TYPE (vilicus_[a-z_]+) /gm)].map((m) => m[1]);
    const documented = [...new Set([...section.matchAll(/^\| `(vilicus_[a-z_]+)`/gm)].map((m) => m[1]))];
    expect(documented.sort()).toEqual(exported.sort());
  });
});

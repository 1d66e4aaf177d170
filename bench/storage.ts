// Storage: bytes on disk per result. A simulated week of a realistic mix
// (lib/week-mix.ts: seven probe kinds, mostly OK, some flapping, messages as
// the agent writes them) goes through the server's own write path
// (writeBatch: insert, evaluation, transitions, outbox) with past
// timestamps, then the server's own history maintenance runs once, and
// pg_database_size is read before and after: heap, indexes and TOAST of
// everything the week left behind. On PostgreSQL and on embedded PGlite.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../server/db/orm.ts';
import { writeBatch, type ResultItem } from '../server/db/results.repository.ts';
import { maintainHistory } from '../server/db/history-maintenance.ts';
import { sql, type Db } from '../server/db/sql.ts';
import { createDatabase, dropDatabase } from '../test/helpers/postgres.ts';
import { benchStorageReads } from './storage-reads.ts';
import { KINDS, weekMix, type MixOptions } from './lib/week-mix.ts';
import { round, type Summary } from './lib/stats.ts';
import type { BenchContext } from './lib/setup.ts';

const DAY_MS = 86_400_000;
const INTERVAL_MS = 30_000;
const BATCH = 2000;
/** The issue's two fleets: hosts × checks, every 30 s. */
const FLEETS = { '100': 100 * 20, '10k': 10_000 * 50 } as const;

export async function benchStorage(ctx: BenchContext, summary: Summary): Promise<void> {
  // Bytes per result depend on how a series looks, not on how many there are: a small fleet tells.
  const mix = ctx.mode === 'quick' ? { agents: 2, perKind: 1 } : { agents: 6, perKind: 2 };
  const databaseUrl = await createDatabase(ctx.postgres.url, 'bench_storage');
  try {
    const pg = await measure(await openDatabase({ databaseUrl, dataDir: '' }), mix);
    report(summary, 'storage', pg);
  } finally {
    await dropDatabase(databaseUrl);
  }
  await benchStorageReads(ctx, summary);
  const dataDir = mkdtempSync(join(tmpdir(), 'vilicus-bench-storage-'));
  try {
    const embedded = await measure(await openDatabase({ databaseUrl: undefined, dataDir }), mix);
    report(summary, 'storage_pglite', embedded);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface Measured {
  results: number;
  bytes: number;
  writeSeconds: number;
  maintenanceSeconds: number;
}

function report(summary: Summary, prefix: string, m: Measured): void {
  const perResult = m.bytes / m.results;
  summary.add(`${prefix}_results`, m.results);
  summary.add(`${prefix}_bytes_per_result`, round(perResult, 2));
  for (const [fleet, series] of Object.entries(FLEETS)) {
    const perDay = (series * DAY_MS) / INTERVAL_MS;
    summary.add(`${prefix}_gib_per_day_${fleet}_hosts`, round((perResult * perDay) / 1024 ** 3, 3));
  }
  summary.add(`${prefix}_write_results_per_s`, Math.round(m.results / m.writeSeconds));
  summary.add(`${prefix}_maintenance_s`, round(m.maintenanceSeconds, 1));
}

async function measure(db: Database, mix: { agents: number; perKind: number }): Promise<Measured> {
  try {
    await db.migrate();
    const em = db.orm.em.fork();
    const kysely = em.getKysely();
    const size = async (): Promise<number> =>
      Number((await sql<{ n: string }>`select pg_database_size(current_database()) as n`.execute(kysely)).rows[0]!.n);
    const { checks, agents } = await createFleet(db, mix);
    const perAgent = KINDS.length * mix.perKind;
    const before = await size();
    const partsBefore = await sizesByPart(kysely);
    // A week that ends a little before now: every range of it is closed, none past retention.
    const now = new Date();
    const options: MixOptions = {
      ...mix,
      intervalMs: INTERVAL_MS,
      from: new Date(now.getTime() - 7 * DAY_MS + 3_600_000),
      to: new Date(now.getTime() - 600_000),
    };
    let results = 0;
    let batch: ResultItem[] = [];
    const t0 = performance.now();
    for (const r of weekMix(options)) {
      const agent = Math.floor(r.series / perAgent);
      batch.push({
        checkId: checks[r.series % perAgent]!,
        agentId: agents[agent]!,
        status: r.status,
        value: r.value,
        message: r.message,
        observedAt: r.observedAt,
        rules: { sustainMs: 0, severity: 'critical' },
        recipients: [],
      });
      if (batch.length === BATCH) {
        await writeBatch(em, batch, new Date(r.observedAt.getTime() + 1000));
        results += batch.length;
        batch = [];
      }
    }
    if (batch.length > 0) await writeBatch(em, batch, now);
    results += batch.length;
    const t1 = performance.now();
    await maintainHistory(db.orm.em.fork(), now, 7 * DAY_MS, { databaseUrl: db.url });
    const t2 = performance.now();
    printGrowth(partsBefore, await sizesByPart(kysely), results);
    return {
      results,
      bytes: (await size()) - before,
      writeSeconds: (t1 - t0) / 1000,
      maintenanceSeconds: (t2 - t1) / 1000,
    };
  } finally {
    await db.close();
  }
}

/** One check per kind and index (`cpu-0`, `cpu-1`, …) that every agent runs, and the agents. */
async function createFleet(db: Database, mix: { agents: number; perKind: number }) {
  const kysely = db.orm.em.fork().getKysely();
  const checks: string[] = [];
  for (const kind of KINDS)
    for (let i = 0; i < mix.perKind; i++) {
      const id = crypto.randomUUID();
      checks.push(id);
      await sql`insert into "check" (id, namespace, name, kind, spec, labels, created_at, updated_at)
        values (${id}, 'default', ${`${kind}-${i}`}, ${kind}, ${JSON.stringify({ [kind]: {} })}::jsonb, '{}', now(), now())`.execute(
        kysely,
      );
    }
  const agents: string[] = [];
  for (let i = 0; i < mix.agents; i++) {
    const id = crypto.randomUUID();
    agents.push(id);
    await sql`insert into "agent" (id, name, labels, token_hash, created_at)
      values (${id}, ${`host-${i}`}, '{}', ${`hash-${id}`}, now())`.execute(kysely);
  }
  return { checks, agents };
}

/**
 * Bytes of every relation, by table (partitions summed) and part: heap, `maps`
 * (free-space and visibility maps), `index`, `toast`; `catalogs` is
 * PostgreSQL's own tables, which grow with every partition made.
 */
async function sizesByPart(db: Db): Promise<Map<string, number>> {
  const { rows } = await sql<{ part: string; bytes: string }>`
    with rel as (
      select c.oid, c.relkind, n.nspname,
        coalesce(owner.relname, towner.relname, tbl.relname, c.relname) as table_name,
        case when n.nspname = 'pg_catalog' then 'catalogs'
             when owner.oid is not null or towner.oid is not null then 'toast'
             when c.relkind = 'i' then 'index' else 'heap' end as part
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      left join pg_index ix on ix.indexrelid = c.oid
      left join pg_class tbl on tbl.oid = ix.indrelid
      left join pg_class owner on owner.reltoastrelid = c.oid
      left join pg_class towner on towner.reltoastrelid = tbl.oid
      where c.relkind in ('r', 'i', 't') and (n.nspname in ('pg_catalog', 'pg_toast') or n.oid = current_schema()::regnamespace)
    )
    select case when part = 'catalogs' then part
             else regexp_replace(table_name, '_(p|d|late_)[0-9]+$|_default$', '') || ' ' || part end as part,
      sum(pg_relation_size(oid, 'main'))::text as bytes from rel group by 1
    union all
    select regexp_replace(table_name, '_(p|d|late_)[0-9]+$|_default$', '') || ' maps',
      sum(pg_relation_size(oid, 'fsm') + pg_relation_size(oid, 'vm'))::text from rel where part <> 'catalogs' group by 1`.execute(
    db,
  );
  return new Map(rows.map((r) => [r.part, Number(r.bytes)]));
}

/** Where the bytes the week added are, for the ADR and whoever reads the log. */
function printGrowth(before: Map<string, number>, after: Map<string, number>, results: number): void {
  const growth = [...after].map(([part, bytes]) => [part, bytes - (before.get(part) ?? 0)] as const);
  const parts = growth
    .filter(([, bytes]) => bytes !== 0)
    .sort((a, b) => b[1] - a[1])
    .map(([part, bytes]) => `${part} ${round(bytes / results, 2)}`);
  console.log(`  bytes per result added, by table and part: ${parts.join(', ')}`);
}

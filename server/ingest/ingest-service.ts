// From posted results to stored, evaluated state: check each result belongs
// to the posting agent, give it an idempotency key, and hand it to the group
// committer. The reply is sent only after the commit (durable acknowledgement).
import type { MikroORM } from '@mikro-orm/postgresql';
import type { IngestReply, ResultIn } from '../../contract/index.ts';
import { runsCheck, type CatalogCheck, type CheckCatalog } from '../db/check-catalog.ts';
import { writeBatch, type BatchOutcome, type ResultItem } from '../db/results.repository.ts';
import { ApiError, errors } from '../errors.ts';
import { AbandonedError, GroupCommitter } from './group-commit.ts';
import { HandOver } from './hand-over.ts';
import { noIngestObserver, observed, type IngestObserver } from './ingest-observer.ts';

export interface PostingAgent {
  id: string;
  name: string;
  labels: Record<string, string>;
}

export interface IngestOptions {
  now?: () => Date;
  observer?: IngestObserver;
  /**
   * Batches committed at the same time (see group-commit.ts). One for the
   * embedded database, which has one session; two on PostgreSQL, so a post
   * that arrives mid-commit starts its own at once.
   */
  concurrentCommits?: number;
  /** Results per transaction at most (a larger post still goes whole, alone). */
  maxItemsPerCommit?: number;
  /** How long history is kept: an older result is refused (VILICUS_ERR_PAST_RETENTION), not stored to be dropped. */
  retentionMs?: number;
}

export class IngestService {
  private readonly catalog: CheckCatalog;
  private readonly committer: GroupCommitter<ResultItem, BatchOutcome>;
  private readonly handOver: HandOver;
  private readonly now: () => Date;
  private readonly retentionMs: number;

  constructor(
    orm: MikroORM,
    catalog: CheckCatalog,
    { now = () => new Date(), observer = noIngestObserver, retentionMs = Infinity, ...commits }: IngestOptions = {},
  ) {
    this.catalog = catalog;
    this.now = now;
    this.retentionMs = retentionMs;
    this.handOver = new HandOver(orm, now);
    // One fork for every batch: writeBatch only borrows its pool and query compiler, never its identity map.
    const em = orm.em.fork();
    const write = observed((items) => writeBatch(em, items, now()), observer);
    // Unset: GroupCommitter's defaults.
    this.committer = new GroupCommitter(write, {
      concurrency: commits.concurrentCommits,
      maxItems: commits.maxItemsPerCommit,
    });
  }

  /** `gone`: whether the caller has left (its connection closed); its results are then not committed. */
  async ingest(agent: PostingAgent, results: readonly ResultIn[], gone?: () => boolean): Promise<IngestReply> {
    const catalog = await this.catalog.current();
    const items: ResultItem[] = [];
    const indexOf = new Map<ResultItem, number>();
    const rejected: IngestReply['rejected'] = [];
    const receivedAt = this.now();
    results.forEach((result, index) => {
      const check = catalog.byId.get(result.check.toLowerCase());
      if (!check || !runsCheck(catalog, check, agent.id, agent.labels)) {
        rejected.push(notAssigned(index, result.check));
        return;
      }
      const field = results.length === 1 ? 'body/observedAt' : `body/${index}/observedAt`;
      const item = toItem(agent.id, result, check, receivedAt, field);
      if (receivedAt.getTime() - item.observedAt.getTime() > this.retentionMs) {
        rejected.push(pastRetention(index, item.observedAt, this.retentionMs));
        return;
      }
      items.push(item);
      indexOf.set(item, index);
    });
    spreadClamped(items, receivedAt);
    if (items.length === 0) return { accepted: 0, duplicates: 0, rejected };
    const outcome = await this.committer.submit(items, gone).catch((error: unknown) => {
      if (error instanceof AbandonedError) return null; // no one to answer; the agent resends
      throw error;
    });
    if (!outcome) return { accepted: 0, duplicates: 0, rejected };
    // Deleted after this server's catalogue was read (another replica): refused alone, like any unknown check.
    for (const item of items)
      if (outcome.orphaned.has(item)) rejected.push(notAssigned(indexOf.get(item)!, item.checkId));
    rejected.sort((a, b) => a.index - b.index);
    const kept = items.filter((item) => !outcome.orphaned.has(item));
    await this.handOver.settle(
      catalog,
      agent,
      kept.map((item) => item.checkId),
    );
    const accepted = kept.filter((item) => outcome.stored.has(item)).length;
    return { accepted, duplicates: kept.length - accepted, rejected };
  }
}

function pastRetention(index: number, observedAt: Date, retentionMs: number): IngestReply['rejected'][number] {
  const days = Math.round((retentionMs / 86_400_000) * 10) / 10;
  return {
    index,
    error: errors.pastRetention.code,
    message: `observed at ${observedAt.toISOString()}, older than the ${days}-day retention: not stored`,
  };
}

function notAssigned(index: number, checkId: string): IngestReply['rejected'][number] {
  return { index, error: errors.unknownCheck.code, message: `check ${checkId} is not assigned to this agent` };
}

/**
 * How far ahead of the server's clock an observation may claim to be. Beyond
 * it the agent's clock is wrong, and the result is stamped with its receipt
 * time instead: kept as is, it would be "the newest" of its series until the
 * server's clock caught up, so every correct result after it (once the
 * agent's clock is fixed) would go to history only and the state would freeze.
 * Clamped rather than rejected, so a host with a bad clock stays monitored.
 */
export const MAX_CLOCK_AHEAD_MS = 60_000;
/**
 * Past times are kept: a late result (an agent resending after an outage)
 * looks just like a slow clock, and deadlines never use the agent's clock. But
 * no agent holds a result for a year (its queue is in memory): older is a
 * clock that never got set (a board without RTC boots in 1970), stamped with
 * the receipt time like a clock ahead. This also keeps out years PostgreSQL
 * prints as "BC", which the DB boundary cannot read back.
 */
export const MAX_CLOCK_BEHIND_MS = 366 * 86_400_000;

function toItem(agentId: string, result: ResultIn, check: CatalogCheck, receivedAt: Date, field: string): ResultItem {
  const claimed = new Date(result.observedAt);
  // RFC 3339 allows what Date cannot read (a leap second, 23:59:60).
  if (Number.isNaN(claimed.getTime()))
    throw new ApiError(errors.validation, `${field}: "${result.observedAt}" is not a time this server can read`, field);
  const skew = claimed.getTime() - receivedAt.getTime();
  const observedAt = skew > MAX_CLOCK_AHEAD_MS || skew < -MAX_CLOCK_BEHIND_MS ? receivedAt : claimed;
  return {
    // The result's key is its check, agent and time (ADR 10); an `id` it carries is the wire's, not stored.
    checkId: check.id,
    agentId,
    status: result.status,
    value: result.value ?? null,
    // PostgreSQL text cannot hold NUL: one such message would fail the whole group-commit batch.
    message: result.message?.replaceAll('\u0000', '') ?? null,
    observedAt,
    ...(observedAt === receivedAt && writable(claimed) ? { claimedAt: claimed } : {}),
    rules: { sustainMs: check.rules.sustainMs, severity: check.rules.severity },
    recipients: check.spec.notify?.email ?? [],
  };
}

/** PostgreSQL takes years 1 to 9999 from us as written; a year 0 clock is claimed by nothing. */
const writable = (at: Date): boolean => at.getUTCFullYear() >= 1 && at.getUTCFullYear() <= 9999;

/**
 * Results of one check stamped with the receipt time (a clock off, above)
 * would all be one result, being one series at one time: they go a
 * millisecond apart, the last at the receipt time, in the order posted.
 */
function spreadClamped(items: ResultItem[], receivedAt: Date): void {
  const clamped = new Map<string, ResultItem[]>();
  for (const item of items)
    if (item.observedAt === receivedAt) {
      const list = clamped.get(item.checkId) ?? [];
      clamped.set(item.checkId, [...list, item]);
    }
  for (const list of clamped.values())
    list.forEach((item, k) => (item.observedAt = new Date(receivedAt.getTime() - (list.length - 1 - k))));
}

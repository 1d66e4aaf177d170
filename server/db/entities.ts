// The tables, as MikroORM entities. Hot paths (ingest, evaluation) use SQL in
// the repositories; these definitions drive the CRUD and keep the migrations
// honest (test/integration/db/schema.test.ts diffs them against the migrated schema).
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { CheckSpec } from '../../contract/index.ts';

export const Agent = defineEntity({
  name: 'Agent',
  tableName: 'agent',
  properties: {
    id: p.uuid().primary(),
    name: p.text().unique('agent_name_unique'),
    labels: p.json<Record<string, string>>(),
    tokenHash: p.text().unique('agent_token_hash_unique'),
    createdAt: p.datetime(),
    lastSeenAt: p.datetime().nullable(),
    /** Server time after which the agent counts as missing (survives restarts). */
    deadlineAt: p.datetime().nullable().index('agent_deadline_idx'),
    missing: p.boolean().default(false),
    version: p.text().nullable(),
    hostname: p.text().nullable(),
  },
});
export type Agent = InferEntity<typeof Agent>;

export const Check = defineEntity({
  name: 'Check',
  tableName: 'check',
  uniques: [{ name: 'check_namespace_name_unique', properties: ['namespace', 'name'] }],
  properties: {
    id: p.uuid().primary(),
    namespace: p.text(),
    name: p.text(),
    kind: p.text(),
    spec: p.json<CheckSpec>(),
    labels: p.json<Record<string, string>>(),
    generation: p.integer().default(1),
    /** `api` (REST, CLI) or `crd` (a Kubernetes custom resource). */
    source: p.text().default('api'),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type Check = InferEntity<typeof Check>;

/**
 * Hot results (ADR 10): partitioned by hour of `observedAt` (the partitions
 * are made and dropped by the history maintenance, not by this schema). A
 * result is its series and its time: a resend of it is stored once.
 */
export const CheckResult = defineEntity({
  name: 'CheckResult',
  tableName: 'check_result',
  properties: {
    check: () => p.manyToOne(Check).primary().deleteRule('cascade'),
    agent: () => p.manyToOne(Agent).primary().deleteRule('cascade'),
    observedAt: p.datetime().primary(),
    status: p.text(),
    value: p.double().nullable(),
    message: p.text().nullable(),
  },
});

/**
 * A result stamped with its receipt time (its agent's clock was off), by the
 * time it claimed: a resend is a duplicate. Partitioned by day of `observedAt`
 * (retention drops days), which the key must then hold: ingest looks a claim
 * up before taking it, under a lock on the claim (results.repository.ts).
 */
export const ClampedResult = defineEntity({
  name: 'ClampedResult',
  tableName: 'clamped_result',
  properties: {
    check: () => p.manyToOne(Check).primary().deleteRule('cascade'),
    agent: () => p.manyToOne(Agent).primary().deleteRule('cascade'),
    claimedAt: p.datetime().primary(),
    observedAt: p.datetime().primary(),
  },
});

/** An hour of one series' results, compacted (server/db/history/codec.ts); partitioned by day of `bucket`. */
export const ResultBlock = defineEntity({
  name: 'ResultBlock',
  tableName: 'result_block',
  properties: {
    check: () => p.manyToOne(Check).primary().deleteRule('cascade'),
    agent: () => p.manyToOne(Agent).primary().deleteRule('cascade'),
    bucket: p.datetime().primary(),
    count: p.integer(),
    data: p.blob(),
  },
});

export const CheckState = defineEntity({
  name: 'CheckState',
  tableName: 'check_state',
  properties: {
    check: () => p.manyToOne(Check).primary().deleteRule('cascade'),
    agent: () => p.manyToOne(Agent).primary().deleteRule('cascade'),
    /** OK, WARNING, CRITICAL, UNKNOWN, or PENDING (no state yet: a first problem inside its `for:` window). */
    status: p.text(),
    since: p.datetime(),
    value: p.double().nullable(),
    message: p.text().nullable(),
    lastObservedAt: p.datetime().nullable(),
    warnSince: p.datetime().nullable(),
    critSince: p.datetime().nullable(),
    /** Flap detection: the last raw status and one bit per recent change. */
    lastRaw: p.text().nullable(),
    changeBits: p.integer().default(0),
    flapping: p.boolean().default(false),
    /** When the open problem was last mailed (the reminder clock). */
    notifiedAt: p.datetime().nullable(),
    /** The problem waiting for its `for:` window (status PENDING: none counted yet); null when none waits. */
    pendingStatus: p.text().nullable(),
    pendingSince: p.datetime().nullable(),
    pendingCountsAt: p.datetime().nullable(),
    updatedAt: p.datetime(),
  },
});

/** Partitioned by day of `at` (retention drops days), which the key must then hold. */
export const Transition = defineEntity({
  name: 'Transition',
  tableName: 'transition',
  indexes: [{ name: 'transition_series_idx', properties: ['check', 'agent', 'at'] }],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    /** Null for agent-level events (an agent went missing or came back). */
    check: () => p.manyToOne(Check).nullable().deleteRule('cascade'),
    agent: () => p.manyToOne(Agent).deleteRule('cascade'),
    fromStatus: p.text().nullable(),
    toStatus: p.text(),
    at: p.datetime().primary(),
    value: p.double().nullable(),
    message: p.text().nullable(),
    reason: p.text(),
  },
});

/**
 * The alert outbox: a row is born (channel `email`) in the same transaction as
 * the state change that causes it; the router copies it once per other
 * receiver (`alertmanager:<url>`, `webhook:<name>`) and marks it routed; each
 * channel's notifier claims, delivers and marks its own rows.
 */
export const Notification = defineEntity({
  name: 'Notification',
  tableName: 'notification',
  indexes: [
    { name: 'notification_due_idx', properties: ['state', 'nextAttemptAt'] },
    { name: 'notification_created_idx', properties: ['createdAt'] },
  ],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    /** `email`, `alertmanager:<url>` or `webhook:<name>`: each receiver's delivery is its own row. */
    channel: p.text().default('email'),
    /** An `email` row whose copies for the other channels exist (the router sets it once). */
    routed: p.boolean().default(false),
    /** For a copy: the `email` row of the same event (null on the `email` row itself). */
    eventId: p.bigint('number').nullable(),
    kind: p.text(),
    check: () => p.manyToOne(Check).nullable().deleteRule('cascade'),
    agent: () => p.manyToOne(Agent).nullable().deleteRule('cascade'),
    status: p.text(),
    previous: p.text().nullable(),
    at: p.datetime(),
    value: p.double().nullable(),
    message: p.text().nullable(),
    outageMs: p.bigint('number').nullable(),
    /** The check's own recipients (spec.notify.email); the server's defaults are added at send time. */
    recipients: p.array(),
    /** `pending`, `sending`, `sent`, `failed`, `silenced`, `skipped` (mail off) or `dropped` (receiver removed). */
    state: p.text().default('pending'),
    attempts: p.integer().default(0),
    nextAttemptAt: p.datetime(),
    claimedAt: p.datetime().nullable(),
    sentAt: p.datetime().nullable(),
    lastError: p.text().nullable(),
    createdAt: p.datetime(),
  },
});

export const Silence = defineEntity({
  name: 'Silence',
  tableName: 'silence',
  properties: {
    id: p.uuid().primary(),
    matchers: p.json<Record<string, unknown>>(),
    startsAt: p.datetime(),
    endsAt: p.datetime().index('silence_ends_idx'),
    comment: p.text(),
    createdBy: p.text(),
    createdAt: p.datetime(),
    /** Set once the end of the silence was checked for still-open problems. */
    endHandled: p.boolean().default(false),
  },
});

/** One row: bumped in the same transaction as any change to what agents run. */
export const ConfigRevision = defineEntity({
  name: 'ConfigRevision',
  tableName: 'config_revision',
  properties: {
    id: p.integer().primary().autoincrement(false),
    revision: p.bigint('number'),
  },
});

export const entities = [
  Agent,
  Check,
  CheckResult,
  ResultBlock,
  ClampedResult,
  CheckState,
  Transition,
  Notification,
  Silence,
  ConfigRevision,
];

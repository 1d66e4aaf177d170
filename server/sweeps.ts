// Background work on a timer: mark silent agents missing (every second, so a
// missing agent shows within a second of its deadline) and keep result
// history (at start, then every 30 s: a closed hour is compacted within a
// couple of minutes of its end, and retention drops whole days; ADR 10).
// A server that cannot reach its database cannot hear its agents either: after
// an outage (or a wait for the database at start) the deadlines move first
// (deadlineAfterOutage), so the outage itself makes no agent missing.
import type { MikroORM } from '@mikro-orm/postgresql';
import { BACKOFF_CAP_MS } from '../contract/backoff.ts';
import { isDatabaseDown } from './api/error-handler.ts';
import type { ServerConfig } from './config.ts';
import type { Logger } from './log.ts';
import { extendDeadlines, sweepMissingAgents } from './db/sweeps.repository.ts';
import { maintainHistory } from './db/history-maintenance.ts';

const HISTORY_EVERY_MS = 30_000;

export interface Sweeps {
  stop(): void;
}

export interface SweepOptions {
  now?: () => Date;
  /** The database was out of reach before the sweeps started (the wait at start). */
  outage?: { from: Date; to: Date };
  /** No deadline falls sooner than this after an outage; default the agents' backoff cap and a second. */
  graceMs?: number;
}

export function startSweeps(orm: MikroORM, config: ServerConfig, log: Logger, options: SweepOptions = {}): Sweeps {
  const now = options.now ?? (() => new Date());
  const graceMs = options.graceMs ?? BACKOFF_CAP_MS + 1000;
  let stopped = false;
  const stopping = new AbortController();
  // `owed`: the database was out of reach after `lastReached` until `recovered`, not yet credited.
  let lastReached = options.outage?.from ?? now();
  let recovered: Date | null = options.outage?.to ?? null;
  let owed = options.outage !== undefined;
  const every = (ms: number, name: string, work: () => Promise<void>, atStart = false): NodeJS.Timeout => {
    let busy = false;
    const tick = (): void => {
      if (busy || stopped) return;
      busy = true;
      work()
        .catch((error: unknown) => {
          if (name === 'missing-agents' && isDatabaseDown(error)) [owed, recovered] = [true, null];
          log.warn({ err: error, sweep: name }, 'sweep failed; will retry');
        })
        .finally(() => (busy = false));
    };
    const timer = setInterval(tick, ms);
    timer.unref();
    if (atStart) tick();
    return timer;
  };
  const timers = [
    every(1000, 'missing-agents', async () => {
      const at = now();
      if (owed) {
        const back = recovered ?? at;
        if (!(await extendDeadlines(orm.em.fork(), lastReached, back, graceMs))) return;
        log.info({ outageMs: back.getTime() - lastReached.getTime() }, 'database back: agent deadlines extended');
        owed = false;
      }
      const names = await sweepMissingAgents(orm.em.fork(), at);
      lastReached = at;
      if (names.length > 0) log.warn({ agents: names }, 'agents missing');
    }),
    every(
      HISTORY_EVERY_MS,
      'history',
      async () => {
        const done = await maintainHistory(orm.em.fork(), now(), config.retentionMs, {
          databaseUrl: config.databaseUrl,
          signal: stopping.signal,
        });
        if (done.compacted > 0 || done.droppedDays > 0 || done.settled > 0) log.info(done, 'result history kept');
      },
      true,
    ),
  ];
  return {
    stop() {
      stopped = true;
      stopping.abort();
      for (const timer of timers) clearInterval(timer);
    },
  };
}

// Background work on a timer: mark silent agents missing (every second, so a
// missing agent shows within a second of its deadline) and prune history.
import type { MikroORM } from '@mikro-orm/postgresql';
import type { ServerConfig } from './config.ts';
import type { Logger } from './log.ts';
import { pruneHistory, sweepMissingAgents } from './db/sweeps.repository.ts';

export interface Sweeps {
  stop(): void;
}

export function startSweeps(orm: MikroORM, config: ServerConfig, log: Logger, now = () => new Date()): Sweeps {
  let stopped = false;
  const every = (ms: number, name: string, work: () => Promise<void>): NodeJS.Timeout => {
    let busy = false;
    const timer = setInterval(() => {
      if (busy || stopped) return;
      busy = true;
      work()
        .catch((error: unknown) => log.warn({ err: error, sweep: name }, 'sweep failed; will retry'))
        .finally(() => (busy = false));
    }, ms);
    timer.unref();
    return timer;
  };
  const timers = [
    every(1000, 'missing-agents', async () => {
      const names = await sweepMissingAgents(orm.em.fork(), now());
      if (names.length > 0) log.warn({ agents: names }, 'agents missing');
    }),
    every(60_000, 'retention', async () => {
      const deleted = await pruneHistory(orm.em.fork(), new Date(now().getTime() - config.retentionMs));
      if (deleted > 0) log.info({ deleted }, 'pruned result history');
    }),
  ];
  return {
    stop() {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
    },
  };
}

// client-node's ListWatch lists, watches from the resourceVersion, relists on
// 410 Gone and reconnects after a watch ends; but after any other error it
// stops and only reports. This restarts it after the project's backoff (reset
// once the watch makes progress); the delay function is injectable so tests
// need no real timers.
import type { KubernetesObject, ListWatch } from '@kubernetes/client-node';
import { createBackoff } from '../../contract/backoff.ts';
import type { Logger } from '../log.ts';

export interface Restartable {
  stop(): void;
}

export function keepWatching<T extends KubernetesObject>(
  informer: ListWatch<T>,
  what: string,
  log: Logger,
  delay: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms).unref()),
  baseMs = 1000,
  capMs = 30_000,
  random: () => number = Math.random,
): Restartable {
  const backoff = createBackoff(baseMs, capMs, random);
  let stopped = false;
  let seenVersion = informer.latestResourceVersion();
  // ListWatch reports 'connect' on every start, failed or not; progress is a new resourceVersion.
  informer.on('error', (error: unknown) => {
    if (stopped) return;
    const version = informer.latestResourceVersion();
    if (version !== seenVersion) backoff.reset();
    seenVersion = version;
    const wait = backoff.next();
    log.warn({ err: (error as Error)?.message ?? String(error), retryInMs: wait }, `${what} watch failed; restarting`);
    void delay(wait).then(() => {
      if (!stopped) informer.start().catch(() => undefined); // a failed start reports through 'error' again
    });
  });
  return {
    stop() {
      stopped = true;
    },
  };
}

// client-node's ListWatch lists, watches from the resourceVersion, relists on
// 410 Gone and reconnects after a watch ends; but after any other error it
// stops and only reports. This restarts it with capped exponential backoff
// (the delay function is injectable so tests need no real timers).
import type { KubernetesObject, ListWatch } from '@kubernetes/client-node';
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
): Restartable {
  let attempt = 0;
  let stopped = false;
  let seenVersion = informer.latestResourceVersion();
  // ListWatch reports 'connect' on every start, failed or not; progress is a new resourceVersion.
  informer.on('error', (error: unknown) => {
    if (stopped) return;
    const version = informer.latestResourceVersion();
    if (version !== seenVersion) attempt = 0;
    seenVersion = version;
    const wait = Math.min(capMs, baseMs * 2 ** attempt++);
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

// Nodes → agents. In the cluster an agent is its node: the agent row is named
// after the Node and carries the Node's labels (what Check nodeSelectors are
// matched against). A Node that leaves the cluster takes its agent, and the
// agent's states, with it.
//
// Cordoned (spec.unschedulable) and drained nodes stay expected: cordoning
// only stops new pods from being scheduled, and drains leave DaemonSet pods
// (the agent) running, so the agent keeps reporting and its checks keep
// meaning something. Only deleting the Node removes the agent. A node whose
// agent never runs (a taint the DaemonSet does not tolerate) has a row that
// never checked in; the missing-agent sweep only counts agents after their
// first check-in, so it raises nothing.
import { CoreV1Api, ListWatch, Watch, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import type { MikroORM } from '@mikro-orm/postgresql';
import { AgentsRepository } from '../db/agents.repository.ts';
import type { Logger } from '../log.ts';
import { KeyQueue } from './key-queue.ts';

export interface NodeSync {
  /** Resolves once the first full list is in the database (and agents of Nodes deleted meanwhile are gone). */
  synced: Promise<void>;
  stop(): Promise<void>;
}

export interface NodeSyncOptions {
  /** Called after an agent was created, relabelled or removed (e.g. `auth.forget()`). */
  onAgentsChanged?: () => void;
  /**
   * Wait before restarting after the watch failed for the n-th time in a row
   * (ListWatch itself retries only 410 Gone and timeouts). Default: 1 s
   * doubling to 30 s.
   */
  retryDelayMs?: (failures: number) => number;
}

const defaultDelay = (failures: number): number => Math.min(1000 * 2 ** (failures - 1), 30_000);

/** Labels as a stable string, to skip Node updates that changed only the status. */
const labelKey = (labels: Record<string, string>): string => JSON.stringify(Object.entries(labels).sort());

export function startNodeSync(kc: KubeConfig, orm: MikroORM, log: Logger, options: NodeSyncOptions = {}): NodeSync {
  const core = kc.makeApiClient(CoreV1Api);
  const informer = new ListWatch<V1Node>('/api/v1/nodes', new Watch(kc), () => core.listNode(), false);
  const repo = (): AgentsRepository => new AgentsRepository(orm.em.fork());
  const applied = new Map<string, string>(); // node → labelKey last written
  const changed = (): void => options.onAgentsChanged?.();

  async function reconcile(name: string): Promise<void> {
    const node = informer.get(name);
    if (node) {
      const labels = node.metadata?.labels ?? {};
      if (applied.get(name) === labelKey(labels)) return; // a status update: nothing for us
      const result = await repo().ensureNamed(name, labels, new Date());
      applied.set(name, labelKey(labels));
      if (result.changed) {
        log.info({ agent: name, labels }, 'node labels applied to its agent');
        changed();
      }
      return;
    }
    applied.delete(name);
    if (await repo().remove(name)) {
      log.info({ agent: name }, 'node left the cluster: its agent is removed');
      changed();
    }
  }

  const queue = new KeyQueue(reconcile, (name, error) =>
    log.warn({ err: error, agent: name }, 'node sync failed; will retry on the next change or relist'),
  );
  for (const verb of ['add', 'update', 'delete'] as const)
    informer.on(verb, (node) => node.metadata?.name && queue.enqueue(node.metadata.name));

  let stopped = false;
  let failures = 0;
  let lastFailure = 0;
  let timer: NodeJS.Timeout | undefined;
  let pruned = false;
  let markSynced = (): void => {};
  const synced = new Promise<void>((resolve) => (markSynced = resolve));

  /** Agents made for Nodes that were deleted while no server watched. */
  async function prune(): Promise<void> {
    await queue.idle();
    const removed = await repo().removeNodeAgentsExcept(informer.list().map((n) => n.metadata!.name!));
    if (removed.length > 0) {
      log.info({ agents: removed }, 'nodes gone from the cluster: their agents are removed');
      changed();
    }
    pruned = true;
    markSynced();
    log.info({ nodes: informer.list().length }, 'nodes listed and applied to agents');
  }

  async function run(): Promise<void> {
    await informer.start();
    // start() returns after the list and the watch request, either of which may have failed (see 'error').
    if (!pruned && !stopped && informer.latestResourceVersion() !== '') await prune();
  }

  let current: Promise<void> = Promise.resolve();
  const launch = (): void => {
    current = run().catch((error: unknown) => log.warn({ err: error }, 'node sync failed to start'));
  };
  informer.on('error', (error: unknown) => {
    if (stopped) return;
    const now = Date.now();
    failures = now - lastFailure > 60_000 ? 1 : failures + 1; // a minute without trouble starts over
    lastFailure = now;
    const delay = (options.retryDelayMs ?? defaultDelay)(failures);
    log.warn({ err: error, retryInMs: delay }, 'node watch failed; restarting');
    clearTimeout(timer);
    timer = setTimeout(launch, delay);
    timer.unref();
  });
  launch();

  return {
    synced,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await informer.stop();
      await current;
      await queue.idle();
    },
  };
}

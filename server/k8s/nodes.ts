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
import { CoreV1Api, ListWatch, Watch, type KubeConfig, type V1Node, type V1NodeList } from '@kubernetes/client-node';
import type { MikroORM } from '@mikro-orm/postgresql';
import { AgentsRepository } from '../db/agents.repository.ts';
import type { Logger } from '../log.ts';
import type { ObjectRef } from './events.ts';
import { keepWatching } from './informer.ts';
import { KeyQueue } from './key-queue.ts';

export interface NodeSync {
  /** Resolves once the first full list is in the database (and agents of Nodes deleted meanwhile are gone). */
  synced: Promise<void>;
  /** A Node as the involved object of an Event (the status writer's Events on the Node), once listed. */
  nodeRef(name: string): ObjectRef | undefined;
  stop(): Promise<void>;
}

export interface NodeSyncOptions {
  /** Called after an agent was created, relabelled or removed (e.g. `auth.forget()`). */
  onAgentsChanged?: () => void;
}

/** Labels as a stable string, to skip Node updates that changed only the status. */
const labelKey = (labels: Record<string, string>): string => JSON.stringify(Object.entries(labels).sort());

export function startNodeSync(kc: KubeConfig, orm: MikroORM, log: Logger, options: NodeSyncOptions = {}): NodeSync {
  const core = kc.makeApiClient(CoreV1Api);
  const repo = (): AgentsRepository => new AgentsRepository(orm.em.fork());
  const applied = new Map<string, string>(); // node → labelKey last written
  const changed = (): void => options.onAgentsChanged?.();
  let pruning: Promise<void> | null = null;
  let markSynced = (): void => {};
  const synced = new Promise<void>((resolve) => (markSynced = resolve));

  const queue = new KeyQueue(reconcile, {
    onError: (name, error, retryInMs) => log.warn({ err: error, agent: name, retryInMs }, 'node sync failed; retrying'),
  });
  const list = async (): Promise<V1NodeList> => {
    const nodes = await core.listNode();
    // ListWatch hands the items to the callbacks right after this resolves; prune once they are queued.
    pruning ??= new Promise((resolve) => setImmediate(resolve)).then(prune);
    return nodes;
  };
  const informer = new ListWatch<V1Node>('/api/v1/nodes', new Watch(kc), list, false);

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

  /** After the first list: agents made for Nodes that were deleted while no server watched. */
  async function prune(): Promise<void> {
    await queue.idle();
    try {
      const removed = await repo().removeNodeAgentsExcept(informer.list().map((n) => n.metadata!.name!));
      if (removed.length > 0) {
        log.info({ agents: removed }, 'nodes gone from the cluster: their agents are removed');
        changed();
      }
      log.info({ nodes: informer.list().length }, 'nodes listed and applied to agents');
      markSynced();
    } catch (error) {
      log.warn({ err: error }, 'removing the agents of deleted nodes failed; trying at the next list');
      pruning = null;
    }
  }

  for (const verb of ['add', 'update', 'delete'] as const)
    informer.on(verb, (node) => node.metadata?.name && queue.enqueue(node.metadata.name));
  const watching = keepWatching(informer, 'Node', log);
  const started = informer.start().catch((error: unknown) => log.warn({ err: error }, 'first Node list failed'));

  return {
    synced,
    nodeRef(name) {
      const uid = informer.get(name)?.metadata?.uid;
      return uid ? { kind: 'Node', apiVersion: 'v1', name, namespace: '', uid } : undefined;
    },
    async stop() {
      watching.stop();
      await informer.stop();
      await started;
      await pruning;
      await queue.stop();
    },
  };
}

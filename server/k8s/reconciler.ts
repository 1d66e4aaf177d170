// Check resources → the checks table. List, then watch from the
// resourceVersion (client-node's ListWatch relists on 410 Gone and reconnects
// with capped backoff); each Check is reconciled by one worker at a time.
import { CustomObjectsApi, KubeConfig, ListWatch, Watch, type KubernetesObject } from '@kubernetes/client-node';
import type { MikroORM } from '@mikro-orm/postgresql';
import { uncheckedSpecProblems, type CheckSpec, type SpecProblem } from '../../contract/index.ts';
import { ChecksRepository } from '../db/checks.repository.ts';
import type { CheckCatalog } from '../db/check-catalog.ts';
import type { Logger } from '../log.ts';
import { GROUP, PLURAL, VERSION, type KubeSettings } from './client.ts';
import { keepWatching, type Restartable } from './informer.ts';
import type { EventRecorder } from './events.ts';
import { KeyQueue } from './key-queue.ts';
import type { Owners } from './ownership.ts';

export interface CheckResource extends KubernetesObject {
  spec: CheckSpec;
  status?: Record<string, unknown>;
}

export interface Verdict {
  problems: SpecProblem[];
  refused?: { reason: string; message: string };
  /** Another live release owns it (ownership.ts): this server neither runs it nor writes its status. */
  foreign?: string;
}

export interface ReconcilerExtras {
  owners?: Owners;
  events?: EventRecorder;
  /** How often a Check another release owns is looked at again (its owner may be gone). */
  recheckMs?: number;
}

export interface Reconciler {
  /** Every Check resource the informers hold. */
  resources(): CheckResource[];
  /** Why a resource is not (or not yet) run, by UID. */
  verdict(uid: string): Verdict | undefined;
  stop(): Promise<void>;
}

const keyOf = (o: KubernetesObject): string => `${o.metadata?.namespace}/${o.metadata?.name}`;

export async function startReconciler(
  kc: KubeConfig,
  orm: MikroORM,
  settings: KubeSettings & { webhooks?: Readonly<Record<string, string>> },
  catalog: CheckCatalog,
  log: Logger,
  extras: ReconcilerExtras = {},
): Promise<Reconciler> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const watch = new Watch(kc);
  const repo = (): ChecksRepository => new ChecksRepository(orm.em.fork());
  const verdicts = new Map<string, Verdict>();
  const lastUid = new Map<string, string>(); // key → uid, to remove a check once its resource is gone
  const informers = (settings.namespaces.length ? settings.namespaces : [null]).map((ns) => {
    const path = ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}` : `/apis/${GROUP}/${VERSION}/${PLURAL}`;
    const list = () =>
      (ns
        ? api.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL })
        : api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as Promise<{
        items: CheckResource[];
        metadata: { resourceVersion: string };
      }>;
    return new ListWatch<CheckResource>(path, watch, list, false);
  });
  const find = (key: string): CheckResource | undefined => {
    const [ns, name] = key.split('/') as [string, string];
    for (const informer of informers) {
      const found = informer.get(name, ns);
      if (found) return found;
    }
    return undefined;
  };

  const foreign = new Map<string, string>(); // key → the release that owns it
  /** False when another live release owns the Check: then it is not run here, and says so once. */
  async function owned(key: string, resource: CheckResource): Promise<boolean> {
    if (!extras.owners) return true;
    const { ownership, owner } = await extras.owners.resolve(resource);
    if (ownership !== 'other') {
      if (foreign.delete(key) || ownership === 'take-over') log.info({ check: key, ownership }, 'check resource owned');
      return true;
    }
    const uid = resource.metadata!.uid!;
    verdicts.set(uid, { problems: [], foreign: owner });
    await repo().removeResources({ uid }); // not ours to run: no results, no status, no mail
    if (foreign.get(key) !== owner) {
      const message = `release ${extras.owners.me} leaves this Check alone: release ${owner} owns it`;
      log.warn({ check: key, owner }, message);
      const ref = { kind: 'Check', apiVersion: `${GROUP}/${VERSION}`, name: resource.metadata!.name!, uid };
      extras.events?.record(
        { ...ref, namespace: resource.metadata!.namespace! },
        'Warning',
        'OwnedByOtherRelease',
        message,
      );
    }
    foreign.set(key, owner);
    return false;
  }

  async function reconcile(key: string): Promise<void> {
    const resource = find(key);
    if (!resource) {
      const uid = lastUid.get(key);
      if (uid) {
        await repo().removeResources({ uid });
        verdicts.delete(uid);
        lastUid.delete(key);
        log.info({ check: key }, 'check resource deleted: check removed');
      }
      return;
    }
    const uid = resource.metadata!.uid!;
    lastUid.set(key, uid);
    if (!(await owned(key, resource))) return;
    const problems = uncheckedSpecProblems(resource.spec, { webhooks: Object.keys(settings.webhooks ?? {}) });
    if (problems.length) {
      verdicts.set(uid, { problems });
      await repo().removeResources({ uid }); // no agent runs an invalid check
      return;
    }
    const outcome = await repo().upsertResource(
      {
        uid,
        namespace: resource.metadata!.namespace!,
        name: resource.metadata!.name!,
        spec: resource.spec,
        labels: resource.metadata!.labels ?? {},
        generation: resource.metadata!.generation ?? 1,
      },
      new Date(),
    );
    if (outcome === 'conflict') {
      const message = 'a check of this namespace and name was made through the REST API; delete it there first';
      verdicts.set(uid, { problems: [], refused: { reason: 'NameTaken', message } });
      return;
    }
    verdicts.set(uid, { problems: [] });
    if (outcome !== 'unchanged') {
      catalog.invalidate();
      log.info({ check: key, generation: resource.metadata!.generation, outcome }, 'check resource reconciled');
    }
  }

  const queue = new KeyQueue(reconcile, {
    onError: (key, error, retryInMs) => log.warn({ err: error, check: key, retryInMs }, 'reconcile failed; retrying'),
  });
  // Every key the informers hold or the database had from them, so a missed
  // event (or a row changed behind our back) heals by itself.
  const allKeys = (): Set<string> => new Set([...informers.flatMap((i) => i.list().map(keyOf)), ...lastUid.keys()]);
  const resync = setInterval(() => allKeys().forEach((key) => queue.enqueue(key)), settings.resyncMs);
  resync.unref();
  const restarts: Restartable[] = [];
  for (const informer of informers) {
    for (const verb of ['add', 'update', 'delete'] as const) informer.on(verb, (o) => queue.enqueue(keyOf(o)));
    restarts.push(keepWatching(informer, 'Check', log));
    await informer.start().catch((error: unknown) => log.warn({ err: error }, 'first Check list failed; retrying'));
  }
  await queue.idle();
  // At start, a check whose resource is gone (deleted while no server watched) goes too —
  // but only after every list succeeded: an empty cache after a failed list proves nothing.
  const listed = informers.every((i) => i.latestResourceVersion() !== '');
  const keep = informers.flatMap((i) => i.list().map((r) => r.metadata!.uid!));
  const removed = listed ? await repo().removeResources({ keep, namespaces: settings.namespaces }) : 0;
  if (removed > 0) catalog.invalidate();
  if (!listed) log.warn('first Check list failed: start-up cleanup of deleted resources skipped');
  log.info({ resources: keep.length, removed }, 'check resources listed and reconciled');
  const recheck = setInterval(
    () => [...foreign.keys()].forEach((key) => queue.enqueue(key)),
    extras.recheckMs ?? 10_000,
  );
  recheck.unref();

  return {
    resources: () => informers.flatMap((i) => [...i.list()]),
    verdict: (uid) => verdicts.get(uid),
    async stop() {
      clearInterval(recheck);
      clearInterval(resync);
      restarts.forEach((r) => r.stop());
      await Promise.all(informers.map((i) => i.stop()));
      await queue.stop();
    },
  };
}

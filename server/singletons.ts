// The work only one replica may do at a time: the sweeps, the notifier and,
// in Kubernetes mode, reconciling Check resources and writing their status.
// Off Kubernetes it always runs (each round takes a PostgreSQL advisory lock);
// on Kubernetes it runs on the replica holding the Lease, and stops at once
// when the Lease is lost.
import type { KubeConfig } from '@kubernetes/client-node';
import type { MikroORM } from '@mikro-orm/postgresql';
import { startAlerting } from './alerts/index.ts';
import type { NotifierOptions } from './alerts/notifier.ts';
import type { ServerConfig } from './config.ts';
import type { CheckCatalog } from './db/check-catalog.ts';
import type { Logger } from './log.ts';
import { startSweeps } from './sweeps.ts';
import type { EventRecorder } from './k8s/events.ts';
import type { NodeSync } from './k8s/nodes.ts';

export interface SingletonContext {
  orm: MikroORM;
  config: ServerConfig;
  catalog: CheckCatalog;
  publicUrl: string;
  log: Logger;
  kc: KubeConfig | null;
  onNotification?: NotifierOptions['onOutcome'];
  /** Kubernetes extras, started with the rest when present. */
  events?: EventRecorder;
  startNodeSync?: () => NodeSync;
  /** When the server waited for its database at start: agents are not called missing for that time. */
  outage?: { from: Date; to: Date };
}

export async function startSingletons(ctx: SingletonContext): Promise<() => Promise<void>> {
  const stops: (() => Promise<void> | void)[] = [];
  try {
    const sweeps = startSweeps(ctx.orm, ctx.config, ctx.log.child({ component: 'sweeps' }), {
      ...(ctx.outage ? { outage: ctx.outage } : {}),
    });
    stops.push(() => sweeps.stop());
    const alerting = startAlerting(
      ctx.orm,
      ctx.config,
      ctx.publicUrl,
      ctx.log.child({ component: 'notifier' }),
      ctx.onNotification,
    );
    stops.push(() => alerting.stop());
    if (ctx.kc) {
      // Kubernetes mode's modules are loaded only in that mode (k8s/mode.ts).
      const { createOwners, startReconciler, startStatusWriter } = await import('./k8s/mode.ts');
      const nodes = ctx.startNodeSync?.();
      if (nodes) stops.push(() => nodes.stop());
      const owners = createOwners(ctx.kc, `${ctx.config.podNamespace}/${ctx.config.leaseName}`);
      const reconciler = await startReconciler(
        ctx.kc,
        ctx.orm,
        ctx.config,
        ctx.catalog,
        ctx.log.child({ component: 'reconciler' }),
        { owners, ...(ctx.events ? { events: ctx.events } : {}) },
      );
      stops.push(() => reconciler.stop());
      const writer = startStatusWriter(ctx.kc, ctx.orm, reconciler, ctx.log.child({ component: 'status' }), {
        owner: owners.me,
        ...(ctx.events ? { events: ctx.events } : {}),
        ...(nodes ? { nodeRef: (name: string) => nodes.nodeRef(name) } : {}),
      });
      stops.push(() => writer.stop());
    }
  } catch (error) {
    await stopAll(stops);
    throw error;
  }
  return () => stopAll(stops);
}

async function stopAll(stops: (() => Promise<void> | void)[]): Promise<void> {
  for (const stop of stops.reverse()) await stop();
}

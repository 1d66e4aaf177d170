// Leader election on a coordination.k8s.io/v1 Lease, client-go style:
// acquire when free or expired, renew every retry period, give up leadership
// at once when a renewal cannot succeed within the renew deadline.
import { CoordinationV1Api, KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from '../log.ts';

export interface LeaderOptions {
  name: string;
  namespace: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading: () => Promise<void>;
  onStoppedLeading: () => Promise<void>;
}

export interface LeaderElection {
  isLeader(): boolean;
  /** Steps down (releasing the lease so another replica need not wait) and stops. */
  stop(): Promise<void>;
}

const isNotFound = (e: unknown): boolean => (e as { code?: number }).code === 404;

/**
 * Lease times are MicroTime: the API server wants exactly six fractional
 * digits, Date#toISOString gives three. client-node passes strings through
 * its serializer untouched, so hand it the padded text in the Date's place.
 */
export function microTime(date: Date | string): Date {
  return new Date(date).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;
}

export function startLeaderElection(kc: KubeConfig, o: LeaderOptions, log: Logger): LeaderElection {
  const api = kc.makeApiClient(CoordinationV1Api);
  const leaseMs = o.leaseDurationMs ?? 15_000;
  const deadlineMs = o.renewDeadlineMs ?? 10_000;
  const retryMs = o.retryPeriodMs ?? 2_000;
  let leading = false;
  let lastRenew = 0;
  let stopped = false;
  let transition: Promise<void> = Promise.resolve();

  const spec = (lease?: V1Lease): V1Lease['spec'] => {
    const now = new Date();
    const takeover = lease?.spec?.holderIdentity !== o.identity;
    return {
      holderIdentity: o.identity,
      leaseDurationSeconds: Math.round(leaseMs / 1000),
      acquireTime: microTime(takeover ? now : (lease?.spec?.acquireTime ?? now)),
      renewTime: microTime(now),
      leaseTransitions: (lease?.spec?.leaseTransitions ?? 0) + (takeover && lease ? 1 : 0),
    };
  };

  /** One attempt: true when this replica holds the lease afterwards. */
  async function tryAcquireOrRenew(): Promise<boolean> {
    let lease: V1Lease;
    try {
      lease = await api.readNamespacedLease({ name: o.name, namespace: o.namespace });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await api.createNamespacedLease({
        namespace: o.namespace,
        body: { metadata: { name: o.name, namespace: o.namespace }, spec: spec() },
      });
      return true;
    }
    const holder = lease.spec?.holderIdentity;
    const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
    const duration = (lease.spec?.leaseDurationSeconds ?? leaseMs / 1000) * 1000;
    if (holder && holder !== o.identity && Date.now() < renewed + duration) return false; // someone else's, still valid
    // resourceVersion makes this a compare-and-swap: two replicas cannot both win.
    await api.replaceNamespacedLease({ name: o.name, namespace: o.namespace, body: { ...lease, spec: spec(lease) } });
    return true;
  }

  function setLeading(next: boolean): void {
    if (next === leading) return;
    leading = next;
    log.info({ identity: o.identity, lease: `${o.namespace}/${o.name}` }, next ? 'became leader' : 'lost leadership');
    transition = transition.then(next ? o.onStartedLeading : o.onStoppedLeading).catch((error: unknown) => {
      log.error({ err: error }, 'leadership change failed');
    });
  }

  async function tick(): Promise<void> {
    try {
      const held = await tryAcquireOrRenew();
      if (held) lastRenew = Date.now();
      setLeading(held);
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'lease update failed');
      if (leading && Date.now() - lastRenew > deadlineMs) setLeading(false); // renew deadline passed: stop at once
    }
  }

  let running: Promise<void> = tick();
  const timer = setInterval(() => {
    running = running.then(() => (stopped ? undefined : tick()));
  }, retryMs);
  timer.unref();

  return {
    isLeader: () => leading,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      if (leading) {
        setLeading(false);
        await transition;
        try {
          const lease = await api.readNamespacedLease({ name: o.name, namespace: o.namespace });
          if (lease.spec?.holderIdentity === o.identity) {
            const released = {
              ...lease.spec,
              holderIdentity: undefined,
              leaseDurationSeconds: 1,
              acquireTime: microTime(lease.spec.acquireTime ?? new Date()),
              renewTime: microTime(lease.spec.renewTime ?? new Date()),
            };
            await api.replaceNamespacedLease({
              name: o.name,
              namespace: o.namespace,
              body: { ...lease, spec: released },
            });
          }
        } catch (error) {
          log.warn({ err: (error as Error).message }, 'could not release the lease');
        }
      }
      await transition;
    },
  };
}

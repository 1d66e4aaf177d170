// Kubernetes Events, aggregated the way kubectl's recorder (client-go's
// EventCorrelator) does it: the same object, type, reason and message again
// within ten minutes bumps the existing Event's count and lastTimestamp
// instead of creating another. core/v1 Events, which `kubectl describe` and
// `kubectl get events` show. Recording never throws: an Event is a courtesy,
// never a reason for the caller to fail.
import { hostname } from 'node:os';
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type CoreV1EventList,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { Logger } from '../log.ts';

export interface ObjectRef {
  kind: string;
  apiVersion: string;
  name: string;
  /** '' for cluster-scoped objects (a Node): their Events go to `default`, as kubectl's do. */
  namespace: string;
  uid: string;
}

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  record(ref: ObjectRef, type: EventType, reason: string, message: string): void;
  /** Resolves when every Event recorded so far was written (or given up). */
  flush(): Promise<void>;
}

export interface EventRecorderOptions {
  /** Same Event again within this long: counted, not created. Default 10 min. */
  windowMs?: number;
  now?: () => Date;
}

/** The Event series last written for one (object, type, reason, message). */
export interface SeenEvent {
  name: string;
  namespace: string;
  count: number;
  lastMs: number;
}

const MAX_MESSAGE = 1024; // the events.k8s.io limit for a note; kept for core/v1 too
const MAX_PENDING = 1000; // client-go's broadcaster drops past its queue of 1000 as well
const MAX_SEEN = 4096;

const isNotFound = (error: unknown): boolean => (error as { code?: unknown }).code === 404;

/** Of the Events listed for an object and reason, the one to count this occurrence into, if any. */
export function pickExisting(
  items: readonly CoreV1Event[],
  want: { type: EventType; message: string; component: string },
  nowMs: number,
  windowMs: number,
): SeenEvent | null {
  let best: SeenEvent | null = null;
  for (const e of items) {
    if (e.type !== want.type || e.message !== want.message || e.source?.component !== want.component) continue;
    const lastMs = new Date(e.lastTimestamp ?? e.firstTimestamp ?? 0).getTime();
    if (!(nowMs - lastMs <= windowMs) || (best && best.lastMs >= lastMs)) continue;
    best = { name: e.metadata.name!, namespace: e.metadata.namespace!, count: e.count ?? 1, lastMs };
  }
  return best;
}

/** `<object>.<hex>` like client-go (which uses the time in nanoseconds), unique within a millisecond too. */
export function eventName(objectName: string, nowMs: number): string {
  const nanos = BigInt(nowMs) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));
  return `${objectName}.${nanos.toString(16)}`;
}

export function createEventRecorder(
  kc: KubeConfig,
  component: string,
  log: Logger,
  options: EventRecorderOptions = {},
): EventRecorder {
  const api = kc.makeApiClient(CoreV1Api);
  const windowMs = options.windowMs ?? 10 * 60_000;
  const now = options.now ?? (() => new Date());
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const seen = new Map<string, SeenEvent>();
  let chain: Promise<void> = Promise.resolve();
  let pending = 0;

  /** The series to count into: remembered, else (after a restart or a new leader) found by a list. */
  async function existing(
    ref: ObjectRef,
    namespace: string,
    type: EventType,
    reason: string,
    message: string,
  ): Promise<{ key: string; at: number; series: SeenEvent | null }> {
    const at = now().getTime();
    const key = [ref.uid, type, reason, message].join('\u0000');
    const known = seen.get(key);
    if (known) return { key, at, series: at - known.lastMs <= windowMs ? known : null };
    const listed = await api
      .listNamespacedEvent({ namespace, fieldSelector: `involvedObject.uid=${ref.uid},reason=${reason}` })
      .catch((error: unknown): CoreV1EventList => {
        log.debug({ err: error }, 'cannot list events; creating one');
        return { items: [] };
      });
    return { key, at, series: pickExisting(listed.items, { type, message, component }, at, windowMs) };
  }

  async function write(ref: ObjectRef, type: EventType, reason: string, text: string): Promise<void> {
    const message = text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
    const namespace = ref.namespace || 'default';
    const { key, at, series } = await existing(ref, namespace, type, reason, message);
    const stamp = new Date(at);
    if (series) {
      const count = series.count + 1;
      try {
        await api.patchNamespacedEvent(
          { name: series.name, namespace, body: { count, lastTimestamp: stamp.toISOString() } },
          mergePatch,
        );
        remember(key, { ...series, count, lastMs: at });
        return;
      } catch (error) {
        if (!isNotFound(error)) throw error; // expired (the API server keeps Events 1 h by default): start anew
      }
    }
    const event: CoreV1Event = {
      metadata: { name: eventName(ref.name, at), namespace },
      involvedObject: {
        kind: ref.kind,
        apiVersion: ref.apiVersion,
        name: ref.name,
        uid: ref.uid,
        ...(ref.namespace ? { namespace: ref.namespace } : {}),
      },
      type,
      reason,
      message,
      count: 1,
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      source: { component },
      reportingComponent: component,
      reportingInstance: hostname(),
    };
    const created = await api.createNamespacedEvent({ namespace, body: event });
    remember(key, { name: created.metadata.name!, namespace, count: 1, lastMs: at });
  }

  function remember(key: string, value: SeenEvent): void {
    seen.delete(key);
    if (seen.size >= MAX_SEEN) seen.delete(seen.keys().next().value!);
    seen.set(key, value);
  }

  return {
    record(ref, type, reason, message) {
      if (pending >= MAX_PENDING) {
        log.warn({ object: `${ref.kind}/${ref.name}`, reason }, 'too many events waiting; dropping one');
        return;
      }
      pending++;
      // One at a time: two records of the same Event must not both create it.
      chain = chain
        .then(() => write(ref, type, reason, message))
        .catch((error: unknown) =>
          log.warn({ err: error, object: `${ref.kind}/${ref.namespace}/${ref.name}`, reason }, 'event not recorded'),
        )
        .finally(() => pending--);
    },
    flush: () => chain,
  };
}

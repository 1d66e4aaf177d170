// Health back into each Check's status subresource, only when something
// changed (at most once per round per check), and an Event per health change.
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { MikroORM } from '@mikro-orm/postgresql';
import { kindsOf } from '../../contract/index.ts';
import { AgentsRepository, type AgentRow } from '../db/agents.repository.ts';
import { ChecksRepository, type StateRow } from '../db/checks.repository.ts';
import { matchesSelector } from '../domain/agents.ts';
import type { Logger } from '../log.ts';
import {
  checkStatus,
  healthEvent,
  sameStatus,
  type CheckStatus,
  type Health,
  type StatusInput,
} from './check-status.ts';
import { GROUP, PLURAL, VERSION } from './client.ts';
import type { EventRecorder, ObjectRef } from './events.ts';
import type { CheckResource, Reconciler } from './reconciler.ts';

export interface StatusEvents {
  /** This release (`<namespace>/<lease>`), written into each status it owns. */
  owner?: string;
  events?: EventRecorder;
  /** The Node object of an agent, for Events on the Node too. */
  nodeRef?: (name: string) => ObjectRef | undefined;
}

export interface StatusWriter {
  /** One round now (the timer also runs them); resolves when written. */
  round(): Promise<number>;
  stop(): Promise<void>;
}

export function startStatusWriter(
  kc: KubeConfig,
  orm: MikroORM,
  reconciler: Reconciler,
  log: Logger,
  sinks: StatusEvents = {},
  everyMs = 2000,
): StatusWriter {
  const api = kc.makeApiClient(CustomObjectsApi);
  const written = new Map<string, CheckStatus>(); // uid → last status this process wrote
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

  async function writeOne(
    resource: CheckResource,
    states: readonly StateRow[],
    agents: readonly AgentRow[] | null,
    now: Date,
  ): Promise<boolean> {
    const meta = resource.metadata!;
    const verdict = reconciler.verdict(meta.uid!) ?? { problems: [] };
    if (verdict.foreign) return false; // another release owns it and writes its status
    const previous = written.get(meta.uid!) ?? (resource.status as Partial<CheckStatus> | undefined);
    const status = checkStatus({
      generation: meta.generation ?? 1,
      probe: kindsOf(resource.spec).join(','),
      problems: verdict.problems,
      ...(verdict.refused ? { refused: verdict.refused } : {}),
      states,
      ...(agents ? { audience: audienceOf(resource, agents) } : {}),
      ...(sinks.owner ? { owner: sinks.owner } : {}),
      previous,
      now,
    });
    if (sameStatus(status, previous)) return false;
    await api.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        namespace: meta.namespace!,
        plural: PLURAL,
        name: meta.name!,
        body: { status },
      },
      mergePatch,
    );
    written.set(meta.uid!, status);
    recordEvents(sinks, meta, previous?.health, status);
    return true;
  }

  async function round(): Promise<number> {
    const resources = reconciler.resources();
    const states = await new ChecksRepository(orm.em.fork()).states(resources.map((r) => r.metadata!.uid!));
    const byCheck = Map.groupBy(states, (s) => s.checkId);
    const now = new Date();
    // Agents are read only when a check has no state yet: only then does the status say who could run it.
    const silent = resources.some((r) => !byCheck.has(r.metadata!.uid!));
    const agents = silent ? await new AgentsRepository(orm.em.fork()).list() : null;
    let count = 0;
    for (const resource of resources) {
      const mine = byCheck.get(resource.metadata!.uid!) ?? [];
      try {
        if (await writeOne(resource, mine, mine.length === 0 ? agents : null, now)) count++;
      } catch (error) {
        log.warn(
          { err: error, check: `${resource.metadata?.namespace}/${resource.metadata?.name}` },
          'status write failed',
        );
      }
    }
    return count;
  }

  let current: Promise<unknown> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    current = round()
      .catch((error: unknown) => log.warn({ err: error }, 'status round failed'))
      .finally(() => (busy = false));
  }, everyMs);
  timer.unref();
  return {
    round,
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}

function audienceOf(resource: CheckResource, agents: readonly AgentRow[]): NonNullable<StatusInput['audience']> {
  const matchLabels = resource.spec.nodeSelector?.matchLabels ?? {};
  const matching = agents.filter((a) => matchesSelector(a.labels, matchLabels)).length;
  return { matchLabels, matching, registered: agents.length };
}

/** An Event on the Check for a change of health, and on each failing Node when it starts failing. */
function recordEvents(
  sinks: StatusEvents,
  meta: NonNullable<CheckResource['metadata']>,
  before: string | undefined,
  status: CheckStatus,
): void {
  const event = healthEvent(before as Health | undefined, status.health);
  if (!event || !sinks.events) return;
  const ref = {
    kind: 'Check',
    apiVersion: `${GROUP}/${VERSION}`,
    name: meta.name!,
    namespace: meta.namespace!,
    uid: meta.uid!,
  };
  const detail = status.health === 'Invalid' ? status.conditions[0]!.message : status.conditions[1]!.message;
  sinks.events.record(ref, event.type, event.reason, detail);
  if (event.reason !== 'CheckFailing') return;
  for (const f of status.failing) {
    const node = sinks.nodeRef?.(f.node);
    if (node)
      sinks.events.record(
        node,
        'Warning',
        'CheckFailing',
        `check ${meta.namespace}/${meta.name} is ${f.status} here: ${f.message}`,
      );
  }
}

// The running single-node cluster of test/k8s/cluster (`npm run k8s:cluster -- up`),
// and the clients the end-to-end tests drive it with (the built kubectl and helm).
// No cluster: in CI the suite fails, saying how to start one; elsewhere it is
// skipped with that message (starting one needs root, a few minutes and the
// images, which a test run should not do behind a developer's back).
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { service } from '../helpers/tools.ts';
import { helmClient, kubectlClient } from '../integration/helm/helm.ts';
import { isRunning } from '../k8s/processes.ts';
import { ctr } from '../k8s/cluster/components.ts';
import { NODE_IP, NODE_NAME, STATE_FILE } from '../k8s/cluster/layout.ts';
import type { ClusterState } from '../k8s/cluster/state.ts';

export { CHART, type K8sObject } from '../integration/helm/helm.ts';
export { ctr, NODE_IP, NODE_NAME };

const HOW = 'start it with `sudo npm run k8s:cluster -- up` (after `npm run k8s:build` and `npm run images`)';

/** The kubeconfig of the running cluster; null (logged) outside CI when there is none; throws in CI. */
export function findCluster(): string | null {
  const why = missing();
  // The project's one skip-or-fail rule: skipped outside CI, a failure naming the cluster in CI.
  const cluster = service('single-node cluster', why === null, `${why ?? 'up'}; ${HOW}`);
  if (!cluster.run) return null;
  cluster.require();
  return (JSON.parse(readFileSync(STATE_FILE, 'utf8')) as ClusterState).kubeconfig;
}

function missing(): string | null {
  if (!existsSync(STATE_FILE)) return `${STATE_FILE} does not exist`;
  const state = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as ClusterState;
  if (!state.complete) return `${STATE_FILE} records an \`up\` that did not finish`;
  const dead = state.processes.filter((p) => !isRunning(p.pid, p.binary)).map((p) => p.name);
  return dead.length > 0 ? `${dead.join(', ')} not running` : null;
}

export function clients(kubeconfig: string): {
  kubectl: (args: string[], input?: string) => Promise<string>;
  helm: ReturnType<typeof helmClient>;
  json: <T = any>(args: string[]) => Promise<T>;
} {
  const kubectl = kubectlClient(kubeconfig);
  return {
    kubectl,
    helm: helmClient(kubeconfig),
    json: async (args) => JSON.parse(await kubectl([...args, '-o', 'json'])),
  };
}

/** Polls until `test` returns a value (not undefined/false); the last error or value is in the timeout message. */
export async function eventually<T>(
  what: string,
  test: () => Promise<T | undefined | false>,
  timeoutMs = 180_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await test();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not so after ${timeoutMs} ms; last: ${last instanceof Error ? last.message : String(last)}`,
      );
    await sleep(250);
  }
}

/**
 * Makes the hostPath volumes the tests' releases used Available again (the
 * cluster's six are pre-made, with reclaim policy Retain): their folders
 * emptied (a new release's database must not find the old one's files) and
 * their claim forgotten. Only volumes claimed from `namespaces`.
 */
export async function recycleVolumes(
  kubectl: (args: string[]) => Promise<string>,
  namespaces: string[],
): Promise<void> {
  const pvs = JSON.parse(await kubectl(['get', 'pv', '-o', 'json'])) as {
    items: { metadata: { name: string }; spec: { claimRef?: { namespace: string }; hostPath?: { path: string } } }[];
  };
  for (const pv of pvs.items) {
    const claim = pv.spec.claimRef;
    if (!claim || !namespaces.includes(claim.namespace) || !pv.spec.hostPath) continue;
    const dir = pv.spec.hostPath.path;
    for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { recursive: true, force: true });
    await kubectl(['patch', 'pv', pv.metadata.name, '--type=json', '-p', '[{"op":"remove","path":"/spec/claimRef"}]']);
  }
}

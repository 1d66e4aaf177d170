// Two releases on one real kube-apiserver (issue 13, bugs 3 and 5): each with
// its own database and leader Lease, watching overlapping namespaces. A Check
// both see is owned by one (annotation vilicus.dev/owner, status.owner), the
// other leaves it alone (not in its database, so no results and no mail, no
// status write) and says so once in a Warning Event; when the owner goes, the
// other takes it over. A Check no agent can run says why in its status.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnvtest, type Envtest } from '../../k8s/envtest.ts';
import { kubectlFor } from '../../k8s/run.ts';
import { api, killAll, startServerProcess, waitFor, type ServerProc } from '../../helpers/processes.ts';

const adminToken = `admin-${crypto.randomUUID()}`;
let env: Envtest;
let kubectl: ReturnType<typeof kubectlFor>;
const dirs: string[] = [];

async function release(namespace: string, watch: string): Promise<ServerProc> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vilicus-owner-'));
  dirs.push(dataDir);
  const env_ = { KUBECONFIG: env.kubeconfig, VILICUS_KUBERNETES: 'on', VILICUS_NAMESPACES: watch };
  const pod = { VILICUS_POD_NAME: `${namespace}-server`, VILICUS_POD_NAMESPACE: namespace };
  return startServerProcess({ dataDir, adminToken, env: { ...env_, ...pod } });
}

async function getCheck(name: string, namespace = 'web'): Promise<Record<string, any> | undefined> {
  const out = await kubectl(['-n', namespace, 'get', 'check', name, '-o', 'json']).catch(() => null);
  return out ? (JSON.parse(out) as Record<string, any>) : undefined;
}

const apply = (name: string, spec: string, namespace = 'web'): Promise<string> =>
  kubectl(
    ['apply', '-f', '-'],
    `apiVersion: vilicus.dev/v1alpha1\nkind: Check\nmetadata: { name: ${name}, namespace: ${namespace} }\nspec:\n${spec}`,
  );

const names = async (server: ServerProc): Promise<string[]> =>
  ((await api(server.url, adminToken)('GET', '/api/v1/checks?namespace=web')).body.items as { metadata: any }[]).map(
    (c) => c.metadata.name,
  );

beforeAll(async () => {
  env = await startEnvtest();
  kubectl = kubectlFor(env.kubeconfig);
  for (const ns of ['web', 'rel-a', 'rel-b']) await kubectl(['create', 'namespace', ns]);
}, 120_000);

afterAll(async () => {
  await killAll();
  await env?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('two releases watching overlapping namespaces', () => {
  let a: ServerProc;
  let b: ServerProc;
  beforeAll(async () => {
    a = await release('rel-a', 'web'); // one after the other: two embedded databases starting at once are slow
    b = await release('rel-b', 'web,db');
  }, 300_000);

  it('gives a Check one owner, which alone runs it and writes its status; the other says so once', async () => {
    await apply('shared', '  process: { name: nginx }\n  interval: 30s');
    await waitFor(
      async () => (await getCheck('shared'))?.status?.owner !== undefined,
      60_000,
      () => a.output(),
    );
    const check = (await getCheck('shared'))!;
    const owner = check.status.owner as string;
    expect(['rel-a/vilicus-leader', 'rel-b/vilicus-leader']).toContain(owner);
    expect(check.metadata.annotations['vilicus.dev/owner']).toBe(owner);
    const [mine, other] = owner.startsWith('rel-a/') ? [a, b] : [b, a];
    const events = async (): Promise<any[]> =>
      (JSON.parse(await kubectl(['-n', 'web', 'get', 'events', '-o', 'json'])).items as any[]).filter(
        (e) => e.reason === 'OwnedByOtherRelease' && e.involvedObject.name === 'shared',
      );
    await waitFor(
      async () => (await events()).length > 0,
      60_000,
      () => other.output(),
    );
    expect(await names(mine)).toEqual(['shared']);
    expect(await names(other)).toEqual([]); // not run there: no results, no mail

    // A new generation: the owner writes the status for it, the other still does not.
    await apply('shared', '  process: { name: nginx }\n  interval: 20s');
    await waitFor(async () => (await getCheck('shared'))?.status?.observedGeneration === 2, 60_000);
    expect((await getCheck('shared'))!.status.owner).toBe(owner);
    const [event] = await events();
    expect(event.type).toBe('Warning');
    expect(event.count ?? 1).toBe(1);
    const otherName = owner.startsWith('rel-a/') ? 'rel-b/vilicus-leader' : 'rel-a/vilicus-leader';
    expect(event.message).toBe(`release ${otherName} leaves this Check alone: release ${owner} owns it`);

    // The owner goes (its Lease is released): the other takes the Check over.
    await mine.stop();
    await waitFor(
      async () => (await getCheck('shared'))?.status?.owner === otherName,
      60_000,
      () => other.output(),
    );
    expect((await getCheck('shared'))!.metadata.annotations['vilicus.dev/owner']).toBe(otherName);
    await waitFor(async () => (await names(other)).includes('shared'), 60_000);
  }, 400_000);

  it('says that no agent matches the nodeSelector instead of waiting for a report', async () => {
    await apply('db-only', '  process: { name: postgres }\n  nodeSelector: { matchLabels: { role: db } }');
    await waitFor(
      async () => (await getCheck('db-only'))?.status?.conditions?.some((c: any) => c.type === 'Healthy') === true,
      60_000,
    );
    const { status } = (await getCheck('db-only'))!;
    expect(status.health).toBe('Pending');
    expect(status.conditions.find((c: any) => c.type === 'Healthy')).toMatchObject({
      status: 'Unknown',
      reason: 'NoMatchingAgent',
      message: 'no agent matches nodeSelector role=db; 0 agents registered',
    });
  }, 120_000);
});

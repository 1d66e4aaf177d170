// The controller machinery against a real kube-apiserver, in process:
// a failed reconcile is retried, a periodic resync heals what no event
// reports, the informer's watch restarts after the injected delay, and the
// leader steps down when it cannot renew and frees the Lease on a clean stop.
import { CoreV1Api, KubeConfig, ListWatch, Watch, type V1ConfigMap } from '@kubernetes/client-node';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sql } from '../../../server/db/sql.ts';
import { keepWatching } from '../../../server/k8s/informer.ts';
import { startLeaderElection } from '../../../server/k8s/leader.ts';
import { startReconciler, type Reconciler } from '../../../server/k8s/reconciler.ts';
import type { KubeSettings } from '../../../server/k8s/client.ts';
import { createLogger } from '../../../server/log.ts';
import { dbKinds, startTestApp, type TestApp } from '../../helpers/app.ts';
import { waitFor } from '../../helpers/processes.ts';
import { startEnvtest, type Envtest } from '../../k8s/envtest.ts';
import { kubectlFor } from '../../k8s/run.ts';

const postgresUrl = inject('postgresUrl');
const log = createLogger('silent', false);
const EVENT_MS = 60_000;
let env: Envtest;
let kubectl: ReturnType<typeof kubectlFor>;
let kc: KubeConfig;

beforeAll(async () => {
  env = await startEnvtest();
  kubectl = kubectlFor(env.kubeconfig);
  kc = new KubeConfig();
  kc.loadFromFile(env.kubeconfig);
});
afterAll(() => env?.stop());

const settings = (resyncMs: number): KubeSettings => ({
  kubernetes: 'on',
  kubeconfig: undefined,
  inCluster: false,
  namespaces: ['ctl'],
  podName: 'server-0',
  podNamespace: 'ctl',
  leaseName: 'vilicus',
  agentServiceAccount: 'agent',
  resyncMs,
});
const checkYaml = (name: string, above: number): string =>
  `apiVersion: vilicus.dev/v1alpha1\nkind: Check\nmetadata: { name: ${name}, namespace: ctl }\nspec:\n  cpu: { above: ${above} }\n`;

describe.each(dbKinds(postgresUrl))('reconciler on %s', (kind) => {
  let t: TestApp;
  let reconciler: Reconciler | undefined;
  const specOf = async (name: string): Promise<{ cpu: { above: number } } | undefined> => {
    const { rows } = await sql<{ spec: { cpu: { above: number } } }>`
      select spec from "check" where namespace = 'ctl' and name = ${name}`.execute(t.db.orm.em.fork().getKysely());
    return rows[0]?.spec;
  };
  beforeAll(async () => {
    t = await startTestApp(kind, postgresUrl);
    await kubectl(['create', 'namespace', 'ctl']).catch(() => undefined);
  });
  afterAll(async () => {
    await reconciler?.stop();
    await kubectl(['-n', 'ctl', 'delete', 'checks', '--all']);
    await t?.close();
  });

  it('retries a reconcile the database refused, and stores the Check', async () => {
    // The database refuses the first write to the checks table, once (a sequence is not rolled back with the error).
    const db = t.db.orm.em.fork().getKysely();
    await sql`create sequence refuse_once`.execute(db);
    await sql`create function refuse_once() returns trigger language plpgsql as $$
      begin
        if nextval('refuse_once') = 1 then raise exception 'refused once by the test'; end if;
        return new;
      end $$`.execute(db);
    await sql`create trigger refuse_once before insert on "check" for each row execute function refuse_once()`.execute(
      db,
    );
    await kubectl(['apply', '-f', '-'], checkYaml('retried', 90));
    reconciler = await startReconciler(kc, t.db.orm, settings(600_000), t.deps.catalog, log);
    await waitFor(async () => (await specOf('retried'))?.cpu.above === 90, EVENT_MS);
    const { rows } = await sql<{ value: string }>`select last_value as value from refuse_once`.execute(db);
    expect(Number(rows[0]!.value)).toBe(2); // refused once, stored by the retry
    await sql`drop trigger refuse_once on "check"`.execute(db);
    await reconciler.stop();
    reconciler = undefined;
  });

  it('heals a Check changed in the database behind its back at the next resync', async () => {
    await kubectl(['apply', '-f', '-'], checkYaml('healed', 80));
    reconciler = await startReconciler(kc, t.db.orm, settings(1_000), t.deps.catalog, log);
    await waitFor(async () => (await specOf('healed'))?.cpu.above === 80, EVENT_MS);
    // No Kubernetes event will report this: only the resync can put it back.
    await sql`update "check" set spec = ${JSON.stringify({ cpu: { above: 1 } })}::jsonb
      where namespace = 'ctl' and name = 'healed'`.execute(t.db.orm.em.fork().getKysely());
    expect((await specOf('healed'))?.cpu.above).toBe(1);
    await waitFor(async () => (await specOf('healed'))?.cpu.above === 80, EVENT_MS);
  });
});

describe('informer watch restart', () => {
  it('restarts a failed watch after the injected backoff and sees what changed meanwhile', async () => {
    await kubectl(['create', 'namespace', 'informer']).catch(() => undefined);
    const core = kc.makeApiClient(CoreV1Api);
    const list = () => core.listNamespacedConfigMap({ namespace: 'informer' });
    const informer = new ListWatch<V1ConfigMap>('/api/v1/namespaces/informer/configmaps', new Watch(kc), list, false);
    const delays: number[] = [];
    // The injected delay: recorded, and a short real pause instead of the backoff's seconds.
    const delay = async (ms: number): Promise<void> => {
      delays.push(ms);
      await new Promise((resolve) => setTimeout(resolve, 50));
    };
    const restarting = keepWatching(informer, 'ConfigMap', log, delay, 1000, 30_000, () => 1);
    await informer.start();
    try {
      await env.restartApiServer();
      await kubectl(['-n', 'informer', 'create', 'configmap', 'after-restart']);
      await waitFor(async () => informer.get('after-restart', 'informer') !== undefined, EVENT_MS);
      // the project's backoff from its base (random() = 1: the top of each draw), doubling while the API server stays away
      expect(delays.length).toBeGreaterThanOrEqual(1);
      const expected = delays.map((_, i) => Math.min(30_000, 1000 * 2 ** i));
      expect(delays).toEqual(expected);
    } finally {
      restarting.stop();
      await informer.stop();
    }
  });
});

/** A loopback TCP proxy to the API server that the test can cut: a real network failure for one client. */
async function cuttableProxy(target: URL): Promise<{ url: string; cut(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}`,
    cut: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      sockets.forEach((s) => s.destroy());
      await closed;
    },
  };
}

/** The test's kubeconfig, through another server URL (the proxy's; the certificate names 127.0.0.1, any port). */
function kubeConfigVia(url: string): KubeConfig {
  const via = new KubeConfig();
  via.loadFromOptions({
    clusters: kc.clusters.map((c) => ({ ...c, server: url })),
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
  return via;
}

describe('leader election', () => {
  const leaseOf = async (name: string) =>
    JSON.parse(await kubectl(['-n', 'ctl', 'get', 'lease', name, '-o', 'json'])).spec as {
      holderIdentity?: string;
      renewTime: string;
      leaseDurationSeconds: number;
      acquireTime: string;
    };
  const elect = (client: KubeConfig, name: string, identity: string, events: string[]) =>
    startLeaderElection(
      client,
      {
        name,
        namespace: 'ctl',
        identity,
        leaseDurationMs: 30_000,
        renewDeadlineMs: 1_000,
        retryPeriodMs: 200,
        onStartedLeading: async () => void events.push(`${identity} started`),
        onStoppedLeading: async () => void events.push(`${identity} stopped`),
      },
      log,
    );

  it('frees the Lease on a clean stop, so another replica takes it at once', async () => {
    await kubectl(['create', 'namespace', 'ctl']).catch(() => undefined);
    const events: string[] = [];
    const a = elect(kc, 'clean-stop', 'a', events);
    await waitFor(async () => a.isLeader(), EVENT_MS);
    const held = await leaseOf('clean-stop');
    await a.stop();
    expect(events).toEqual(['a started', 'a stopped']);
    expect((await leaseOf('clean-stop')).holderIdentity).toBeUndefined();
    const b = elect(kc, 'clean-stop', 'b', events);
    try {
      await waitFor(async () => b.isLeader(), EVENT_MS);
      // b did not wait out a's 30 s lease: it acquired before a's would have expired
      const taken = await leaseOf('clean-stop');
      expect(taken.holderIdentity).toBe('b');
      expect(Date.parse(taken.acquireTime)).toBeLessThan(Date.parse(held.renewTime) + held.leaseDurationSeconds * 1000);
    } finally {
      await b.stop();
    }
  });

  it('steps down when it cannot renew within the renew deadline', async () => {
    await kubectl(['create', 'namespace', 'ctl']).catch(() => undefined);
    const proxy = await cuttableProxy(new URL(env.server));
    const events: string[] = [];
    const a = elect(kubeConfigVia(proxy.url), 'step-down', 'a', events);
    try {
      await waitFor(async () => a.isLeader(), EVENT_MS);
      await proxy.cut();
      await waitFor(async () => !a.isLeader(), EVENT_MS);
      expect(events).toEqual(['a started', 'a stopped']);
      // It stepped down on its own deadline: the Lease (still valid for 30 s) names it, it could not release it.
      expect((await leaseOf('step-down')).holderIdentity).toBe('a');
    } finally {
      await a.stop();
    }
  });
});

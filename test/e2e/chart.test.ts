// The chart as users install it, on a real single-node cluster
// (test/k8s/cluster): `helm install` with the defaults except the image pull
// policy (no registry here) and where mail goes, then the whole product on
// it — server, agent, a Check, a process on this host, mail, /metrics,
// upgrade, fail-over, a second release, uninstall. The steps build on each
// other and run in order.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleepWithMarker, uniqueSleep, type Proc } from '../helpers/processes.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts';
import { clients, ctr, eventually, findCluster, NODE_IP, NODE_NAME, recycleVolumes } from './cluster.ts';
import { checkManifest, installArgs, type Release } from './release.ts';

const kubeconfig = findCluster();

describe.runIf(kubeconfig)('the chart on a real single-node cluster', () => {
  const { kubectl, helm, json } = clients(kubeconfig ?? '');
  const first: Release = { name: 'vilicus', namespace: 'vilicus' };
  const second: Release = { name: 'vilicus-two', namespace: 'vilicus-two' };
  const CHECK = 'e2e-sleep';
  const times: Record<string, number> = {};
  let smtp: SmtpSink;
  let sleeper: { proc: Proc; marker: string };
  let installStarted = 0;

  const check = (r = first, name = CHECK): Promise<any> => json(['-n', r.namespace, 'get', 'check', name]);
  const mails = (kind: 'CRITICAL' | 'RESOLVED'): string[] =>
    smtp
      .mails()
      .map((m) => m.subject)
      .filter((s) => s.startsWith(`[${kind}]`) && s.includes(CHECK) && s.includes(NODE_NAME));
  const podsOf = async (r: Release, component: string): Promise<any[]> =>
    (
      await json([
        '-n',
        r.namespace,
        'get',
        'pods',
        '-l',
        `app.kubernetes.io/instance=${r.name},app.kubernetes.io/component=${component}`,
      ])
    ).items;
  const rollout = (r: Release, kind: string, name: string): Promise<string> =>
    kubectl(['-n', r.namespace, 'rollout', 'status', `${kind}/${name}`, '--timeout=300s']);
  const allReady = async (r: Release): Promise<void> => {
    await rollout(r, 'statefulset', `${r.name}-postgresql`);
    await rollout(r, 'deployment', r.name);
    await rollout(r, 'daemonset', `${r.name}-agent`);
  };
  const adminToken = async (r: Release): Promise<string> =>
    Buffer.from(
      await kubectl(['-n', r.namespace, 'get', 'secret', r.name, '-o', 'jsonpath={.data.admin-token}']),
      'base64',
    ).toString();
  /** The server through its Service's ClusterIP, from this host (kube-proxy's rules). */
  const serverUrl = async (r: Release): Promise<string> => {
    const ip = await kubectl(['-n', r.namespace, 'get', 'svc', r.name, '-o', 'jsonpath={.spec.clusterIP}']);
    return `http://${ip}:8080`;
  };
  const healthIs = (health: string, r = first): Promise<any> =>
    eventually(`Check ${CHECK} ${health}`, async () => {
      const c = await check(r);
      return c.status?.health === health ? c : undefined;
    });
  const checkEvents = async (reason: string): Promise<any[]> =>
    (
      await json([
        '-n',
        first.namespace,
        'get',
        'events',
        '--field-selector',
        `involvedObject.name=${CHECK},reason=${reason}`,
      ])
    ).items;
  /** CheckFailing Events on the first release's Check, counting each repeat (the server bumps `count`). */
  const failingEvents = async (): Promise<number> =>
    (await checkEvents('CheckFailing')).reduce((n: number, e: any) => n + (e.count ?? 1), 0);
  const leader = async (): Promise<string> =>
    (await json(['-n', first.namespace, 'get', 'lease', 'vilicus-leader'])).spec.holderIdentity;

  beforeAll(async () => {
    smtp = await startSmtpSink({ host: NODE_IP });
    sleeper = uniqueSleep();
    for (const r of [first, second]) {
      await kubectl(['create', 'namespace', r.namespace]);
      await kubectl([
        '-n',
        r.namespace,
        'create',
        'secret',
        'generic',
        'e2e-smtp',
        `--from-literal=smtp-url=${smtp.url}`,
      ]);
    }
    installStarted = Date.now();
    await helm.run(installArgs(first));
  }, 600_000);

  afterAll(async () => {
    console.log(`[vilicus:e2e] times (ms): ${JSON.stringify(times)}`);
    await sleeper?.proc.stop('SIGKILL');
    await smtp?.close();
    for (const r of [second, first]) {
      await helm.exec(['uninstall', r.name, '-n', r.namespace, '--wait']).catch(() => undefined);
      await kubectl(['delete', 'namespace', r.namespace, '--ignore-not-found', '--wait=true']).catch(() => undefined);
    }
    await kubectl(['delete', 'check', '--all', '-A', '--ignore-not-found']).catch(() => undefined);
    // The namespaces are gone with their claims: the next run gets the volumes again.
    await recycleVolumes(kubectl, [first.namespace, second.namespace]);
  }, 600_000);

  it('becomes Ready with 0 restarts', async () => {
    await allReady(first);
    times['helm install → all Ready'] = Date.now() - installStarted;
    const pods = [
      ...(await podsOf(first, 'server')),
      ...(await podsOf(first, 'agent')),
      ...(await podsOf(first, 'database')),
    ];
    expect(pods.map((p) => p.status.phase)).toEqual(pods.map(() => 'Running'));
    const restarts = pods.flatMap((p) =>
      p.status.containerStatuses.map((c: any) => `${p.metadata.name}/${c.name}=${c.restartCount}`),
    );
    expect(restarts.filter((r) => !r.endsWith('=0'))).toEqual([]);
    const deployment = await json(['-n', first.namespace, 'get', 'deployment', first.name]);
    expect(deployment.status.readyReplicas).toBe(2);
  }, 600_000);

  it('runs the agent as uid 65534, read-only root, no capabilities, host PID namespace, known through TokenReview', async () => {
    const [agent] = await podsOf(first, 'agent');
    expect(agent.spec.hostPID).toBe(true);
    const probe = `const fs=require('fs');const s=fs.readFileSync('/proc/self/status','utf8');
let ro=false;try{fs.writeFileSync('/e2e-probe','x')}catch(e){ro=e.code==='EROFS'}
console.log(JSON.stringify({uid:/^Uid:\\s+(\\d+)/m.exec(s)[1],capEff:/^CapEff:\\s+(\\w+)/m.exec(s)[1],ro,
init:fs.readFileSync('/proc/1/cmdline','utf8')}))`;
    const seen = JSON.parse(
      await kubectl(['-n', first.namespace, 'exec', agent.metadata.name, '--', 'node', '-e', probe]),
    );
    expect(seen).toEqual({
      uid: '65534',
      capEff: '0000000000000000',
      ro: true,
      // hostPID: pid 1 is this machine's init, not the container's.
      init: readFileSync('/proc/1/cmdline', 'utf8'),
    });
    // The agent has no token of vilicus: the server names it after the node its
    // ServiceAccount token was bound to, which only a TokenReview tells.
    const url = await serverUrl(first);
    const token = await adminToken(first);
    const agents = await eventually('agent registered', async () => {
      const res = await fetch(`${url}/api/v1/agents`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as any;
      const list: any[] = Array.isArray(body) ? body : (body.agents ?? body.items ?? []);
      return list.some((a) => a.name === NODE_NAME) ? list : undefined;
    });
    expect(agents.map((a: any) => a.name)).toEqual([NODE_NAME]);
  }, 300_000);

  it('gives a Check its status and printer columns; a host process killed turns it CRITICAL, one mail; back, one resolved mail', async () => {
    await kubectl(['apply', '-f', '-'], checkManifest(first, CHECK, sleeper.marker));
    const ok = await healthIs('OK');
    times['helm install → first result in a Check status'] = Date.now() - installStarted;
    expect(ok.status.summary).toMatchObject({ ok: 1, failing: 0 });
    const table = await kubectl(['-n', first.namespace, 'get', 'check', CHECK]);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+PROBE\s+STATUS\s+OK\s+FAILING\s+PENDING\s+AGE$/);
    expect(table.split('\n')[1]).toMatch(new RegExp(`^${CHECK}\\s+process\\s+OK\\s+1\\s+0\\s+0\\s+`));

    const killedAt = Date.now();
    await sleeper.proc.stop('SIGKILL');
    const failing = await healthIs('Failing');
    times['host process killed → Check Failing'] = Date.now() - killedAt;
    expect(failing.status.failing).toEqual([expect.objectContaining({ node: NODE_NAME, status: 'CRITICAL' })]);
    const [event] = await eventually('CheckFailing Event', async () => {
      const events = await checkEvents('CheckFailing');
      return events.length > 0 ? events : undefined;
    });
    expect(event).toMatchObject({ type: 'Warning', count: 1 });
    await eventually('one CRITICAL mail', async () => mails('CRITICAL').length === 1);

    sleeper.proc = sleepWithMarker(sleeper.marker);
    await healthIs('OK');
    await eventually('one RESOLVED mail', async () => mails('RESOLVED').length === 1);
    expect(mails('CRITICAL')).toHaveLength(1);
  }, 300_000);

  it("serves the check's state on /metrics through the Service", async () => {
    const url = await serverUrl(first);
    const text = await (await fetch(`${url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('vilicus_check_status{') && l.includes(CHECK));
    expect(line).toMatch(new RegExp(`agent="${NODE_NAME}".* 0$`));
  });

  it('loses no result and sends no duplicate mail across `helm upgrade` (new server image) and a leader pod deleted', async () => {
    // A new tag of the same image: the Deployment rolls both pods, one at a time.
    await ctr(['images', 'tag', '--force', 'docker.io/vilicus/server:0.1.0', 'docker.io/vilicus/server:0.1.0-e2e']);
    const upgrade = helm.run([...installArgs(first, 'upgrade'), '--set', 'server.image.tag=0.1.0-e2e']);
    // The agent keeps posting meanwhile; the process dies while the servers roll.
    await sleeper.proc.stop('SIGKILL');
    await upgrade;
    await rollout(first, 'deployment', first.name);
    await healthIs('Failing');
    await eventually('a second CRITICAL mail', async () => mails('CRITICAL').length === 2);
    sleeper.proc = sleepWithMarker(sleeper.marker);
    await healthIs('OK');
    await eventually('a second RESOLVED mail', async () => mails('RESOLVED').length === 2);
    expect(mails('CRITICAL')).toHaveLength(2);

    const before = await leader();
    await kubectl(['-n', first.namespace, 'delete', 'pod', before, '--wait=false']);
    const after = await eventually('another replica holds the Lease', async () => {
      const holder = await leader();
      return holder && holder !== before ? holder : undefined;
    });
    expect((await podsOf(first, 'server')).map((p) => p.metadata.name)).toContain(after);
    await sleeper.proc.stop('SIGKILL');
    await healthIs('Failing');
    await eventually('a third CRITICAL mail', async () => mails('CRITICAL').length === 3);
    sleeper.proc = sleepWithMarker(sleeper.marker);
    await healthIs('OK');
    await eventually('a third RESOLVED mail', async () => mails('RESOLVED').length === 3);
    expect(mails('CRITICAL')).toHaveLength(3);
  }, 900_000);

  it("lets a second release in another namespace leave the first one's Checks alone", async () => {
    await helm.run(installArgs(second));
    await allReady(second);
    // The second release works: its own Check gets a status from its own server.
    await kubectl(['apply', '-f', '-'], checkManifest(second, CHECK, sleeper.marker));
    await healthIs('OK', second);
    const failingBefore = await failingEvents();
    await sleeper.proc.stop('SIGKILL');
    await healthIs('Failing');
    await healthIs('Failing', second);
    // Exactly one more CheckFailing on the first release's Check (the Event's
    // count goes up by one, not two), from its own servers; one mail per release.
    await eventually('one more CheckFailing on the first Check', async () => (await failingEvents()) > failingBefore);
    await eventually('one more CRITICAL mail per release', async () => mails('CRITICAL').length === 5);
    sleeper.proc = sleepWithMarker(sleeper.marker);
    await healthIs('OK');
    await healthIs('OK', second);
    await eventually('one more RESOLVED mail per release', async () => mails('RESOLVED').length === 5);
    expect(mails('CRITICAL')).toHaveLength(5);
    expect(await failingEvents()).toBe(failingBefore + 1);
    for (const e of await checkEvents('CheckFailing'))
      expect(e.reportingInstance).not.toMatch(new RegExp(`^${second.name}-`));
  }, 900_000);

  it('leaves after `helm uninstall` only what the README says: the CRD, the Checks, the database volume and password, the Lease', async () => {
    await helm.run(['uninstall', first.name, '-n', first.namespace, '--wait']);
    const left = await eventually('the release gone', async () => {
      const names = (
        await kubectl([
          '-n',
          first.namespace,
          'get',
          'all,configmaps,secrets,serviceaccounts,roles,rolebindings,pvc,leases,checks',
          '-o',
          'name',
        ])
      )
        .split('\n')
        .filter(Boolean)
        .sort();
      return names.some((n) => n.startsWith('pod/')) ? undefined : names;
    });
    expect(left).toEqual(
      [
        `check.vilicus.dev/${CHECK}`,
        'configmap/kube-root-ca.crt',
        // Made by the servers, not helm (the README says so).
        'lease.coordination.k8s.io/vilicus-leader',
        `persistentvolumeclaim/data-${first.name}-postgresql-0`,
        'secret/e2e-smtp',
        `secret/${first.name}-postgresql`,
        'serviceaccount/default',
      ].sort(),
    );
    expect(await kubectl(['get', 'crd', 'checks.vilicus.dev', '-o', 'name'])).toContain('checks.vilicus.dev');
    const selector = `app.kubernetes.io/instance=${first.name}`;
    expect(await kubectl(['get', 'clusterrole,clusterrolebinding', '-l', selector, '-o', 'name'])).toBe('');
  }, 300_000);
});

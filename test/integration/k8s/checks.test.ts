// Check resources end to end on a real kube-apiserver: kubectl apply → the
// server's database → a real agent runs the check → `kubectl get checks`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dbKinds } from '../../helpers/app.ts';
import { controlledHost, type ControlledHost } from '../../helpers/host.ts';
import { createDatabase, dropDatabase } from '../../helpers/postgres.ts';
import { startEnvtest, type Envtest } from '../../k8s/envtest.ts';
import { kubectlFor } from '../../k8s/run.ts';
import {
  api,
  killAll,
  startServerProcess,
  uniqueSleep,
  vilicus,
  waitFor,
  type Proc,
  type ServerProc,
} from '../../helpers/processes.ts';

const postgresUrl = inject('postgresUrl');
const adminToken = `admin-${crypto.randomUUID()}`;
// How long to wait for an event before calling it lost: long, because a busy
// machine is slow, never a bound on how fast (that is bench/'s).
const EVENT_MS = 90_000;
let env: Envtest;
let kubectl: ReturnType<typeof kubectlFor>;
const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'vilicus-k8s-'));
  dirs.push(dir);
  return dir;
};

function serverEnv(podName: string): Record<string, string> {
  return {
    KUBECONFIG: env.kubeconfig,
    VILICUS_KUBERNETES: 'on',
    VILICUS_POD_NAME: podName,
    VILICUS_POD_NAMESPACE: 'default',
    // node-2's agent is played by the test: it posts when the test chooses and
    // never checks in, so with the default (3 of its 1-s intervals) it would be
    // marked missing from its first results, mid-test.
    VILICUS_MISSING_AFTER: '1000',
  };
}

const checkYaml = (name: string, spec: string, namespace = 'web'): string =>
  `apiVersion: vilicus.dev/v1alpha1\nkind: Check\nmetadata: { name: ${name}, namespace: ${namespace} }\nspec:\n${spec}`;

async function checkStatus(name: string, namespace = 'web'): Promise<Record<string, any> | undefined> {
  const out = await kubectl(['-n', namespace, 'get', 'check', name, '-o', 'json']).catch(() => null);
  return out ? (JSON.parse(out).status as Record<string, any> | undefined) : undefined;
}

/** The agent as the chart runs it: a Node, the agent's pod bound to it, its projected token (audience vilicus). */
async function agentOnNode(node: string, labels: Record<string, string>): Promise<string> {
  await kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: node, labels } }),
  );
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `vilicus-agent-${node}`, namespace: 'default' },
    spec: {
      nodeName: node,
      serviceAccountName: 'vilicus-agent',
      containers: [{ name: 'agent', image: 'vilicus/agent' }],
    },
  };
  await kubectl(['apply', '-f', '-'], JSON.stringify(pod));
  const bound = ['--bound-object-kind', 'Pod', '--bound-object-name', pod.metadata.name];
  return (await kubectl(['create', 'token', 'vilicus-agent', '--audience', 'vilicus', ...bound])).trim();
}

// On PGlite, and on the run's PostgreSQL shared by both replicas (production's
// topology); each on a control plane of its own, so nothing carries over.
describe.each(dbKinds(postgresUrl))('Check resources on %s', { timeout: 4 * EVENT_MS }, (kind) => {
  let databaseUrl: string | undefined;
  beforeAll(async () => {
    env = await startEnvtest();
    kubectl = kubectlFor(env.kubeconfig);
    await kubectl(['create', 'namespace', 'web']);
    if (kind === 'postgres') databaseUrl = await createDatabase(postgresUrl!, 'vilicus_k8s');
  }, 2 * EVENT_MS);

  let host: ControlledHost | undefined;
  afterAll(async () => {
    host?.stop();
    await killAll();
    await env?.stop();
    if (databaseUrl) await dropDatabase(databaseUrl);
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }, EVENT_MS);

  let server: ServerProc;
  let agent: Proc;
  const call = (method: string, path: string, body?: unknown) => api(server.url, adminToken)(method, path, body);

  beforeAll(async () => {
    server = await startServerProcess({ dataDir: tempDir(), adminToken, databaseUrl, env: serverEnv('server-a') });
    await kubectl(['create', 'serviceaccount', 'vilicus-agent']);
    const tokenFile = join(tempDir(), 'token');
    writeFileSync(tokenFile, await agentOnNode('node-1', { role: 'web' }));
    // The examples' cpu-busy must read OK however busy this machine is: the agent reads a host the test writes.
    host = controlledHost(tempDir());
    agent = vilicus(['agent', '--server', server.url, '--host-root', host.root], {
      VILICUS_TOKEN_FILE: tokenFile,
      NODE_NAME: 'node-1',
    });
  }, 2 * EVENT_MS);

  it('runs the examples applied with kubectl on the Node, and shows them in kubectl get checks', async () => {
    await kubectl(['apply', '-f', 'examples/checks/']);
    await waitFor(
      async () => (await checkStatus('cpu-busy', 'default'))?.health === 'OK',
      EVENT_MS,
      () => agent.output() + server.output(),
    );
    const table = await kubectl(['get', 'checks']);
    expect(table).toMatch(/cpu-busy\s+cpu\s+OK\s+1\s+0\s+0\s/); // ok, failing, pending
    // nginx-running selects role=web: node-1 runs it (and has no nginx)
    await waitFor(async () => (await checkStatus('nginx-running', 'default'))?.health === 'Failing', EVENT_MS);
    expect((await call('GET', '/api/v1/agents/node-1')).body).toMatchObject({
      name: 'node-1',
      labels: { role: 'web' },
    });
  });

  it('runs an applied Check, shows it OK, then Failing with the node when its process dies', async () => {
    const sleeper = uniqueSleep();
    const pattern = `^sleep ${sleeper.marker.replace('.', '\\\\.')}$`;
    await kubectl(['apply', '-f', '-'], checkYaml('sleeper', `  process: { pattern: "${pattern}" }\n  interval: 1s\n`));
    await waitFor(
      async () => (await checkStatus('sleeper'))?.health === 'OK',
      EVENT_MS,
      () => agent.output() + server.output(),
    );
    const table = await kubectl(['-n', 'web', 'get', 'checks']);
    expect(table).toMatch(/sleeper\s+process\s+OK\s+1\s+0/);
    await sleeper.proc.stop('SIGKILL');
    await waitFor(async () => (await checkStatus('sleeper'))?.health === 'Failing', EVENT_MS);
    const status = (await checkStatus('sleeper'))!;
    expect(status.failing).toEqual([expect.objectContaining({ node: 'node-1', status: 'CRITICAL' })]);
    expect(status.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Valid', status: 'True' }),
        expect.objectContaining({ type: 'Healthy', status: 'False', reason: 'Failing' }),
      ]),
    );
    const events = await kubectl([
      '-n',
      'web',
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=sleeper',
      '-o',
      'json',
    ]);
    expect(JSON.parse(events).items.map((e: { reason: string }) => e.reason)).toContain('CheckFailing');
  });

  it('shows a problem inside its for: window as pending, not failing, until it counts', async () => {
    // node-2 has no agent process: the test posts its results with the observed times it chooses.
    const token = await agentOnNode('node-2', { role: 'batch' });
    const spec = '  cpu: { above: 90, for: 10m }\n  nodeSelector: { matchLabels: { role: batch } }\n  interval: 10s\n';
    await kubectl(['apply', '-f', '-'], checkYaml('cpu-window', spec));
    await waitFor(async () => (await call('GET', '/api/v1/checks/cpu-window?namespace=web')).status === 200, 15_000);
    const uid = (await call('GET', '/api/v1/checks/cpu-window?namespace=web')).body.metadata.uid;
    const first = Math.floor(Date.now() / 1000) * 1000 - 660_000; // 11 minutes ago: the window ends a minute ago
    const iso = (ms: number): string => new Date(ms).toISOString();
    const post = (at: number) =>
      api(server.url, token)('POST', '/api/v1/check_history/', [
        { check: uid, status: 'CRITICAL', value: 99, message: 'CPU 99.0% busy', observedAt: iso(at) },
      ]);
    await waitFor(
      async () => (await post(first)).body?.accepted === 1,
      15_000,
      () => server.output(),
    );

    await waitFor(async () => (await checkStatus('cpu-window'))?.pending?.length === 1, 15_000);
    const pending = (await checkStatus('cpu-window'))!;
    expect(pending).toMatchObject({
      health: 'Pending',
      summary: { ok: 0, warning: 0, critical: 0, unknown: 0, pending: 1, failing: 0 },
      failing: [],
      pending: [
        {
          node: 'node-2',
          status: 'CRITICAL',
          since: iso(first),
          countsAt: iso(first + 600_000),
          message: 'CPU 99.0% busy',
        },
      ],
    });
    expect(pending.conditions.find((c: { type: string }) => c.type === 'Healthy')).toMatchObject({
      status: 'Unknown',
      reason: 'Pending',
      message: `1 pending: node-2 (CRITICAL counts at ${iso(first + 600_000)})`,
    });
    expect(await kubectl(['-n', 'web', 'get', 'checks'])).toMatch(/cpu-window\s+cpu\s+Pending\s+0\s+0\s+1\s/);

    // The next result is past countsAt: the problem counts, and the check is Failing.
    expect((await post(first + 600_000)).body.accepted).toBe(1);
    await waitFor(async () => (await checkStatus('cpu-window'))?.health === 'Failing', 15_000);
    expect(await checkStatus('cpu-window')).toMatchObject({
      summary: { critical: 1, pending: 0, failing: 1 },
      failing: [{ node: 'node-2', status: 'CRITICAL', since: iso(first + 600_000) }],
      pending: [],
    });
  });

  it('observes a new generation on edit, refuses REST changes, and forgets a deleted Check', async () => {
    await kubectl(['apply', '-f', '-'], checkYaml('cpu', '  cpu: { above: 99 }\n  interval: 2s\n'));
    await waitFor(async () => (await checkStatus('cpu'))?.observedGeneration === 1, EVENT_MS);
    await kubectl(['apply', '-f', '-'], checkYaml('cpu', '  cpu: { above: 98 }\n  interval: 2s\n'));
    await waitFor(async () => (await checkStatus('cpu'))?.observedGeneration === 2, EVENT_MS);
    const viaRest = await call('GET', '/api/v1/checks/cpu?namespace=web');
    expect(viaRest.body.metadata).toMatchObject({ source: 'crd', generation: 2 });
    expect(viaRest.body.spec.cpu.above).toBe(98);
    const put = await call('PUT', '/api/v1/checks/cpu?namespace=web', {
      metadata: { name: 'cpu' },
      spec: { cpu: { above: 50 } },
    });
    expect(put.status).toBe(409);
    await kubectl(['-n', 'web', 'delete', 'check', 'cpu']);
    await waitFor(async () => (await call('GET', '/api/v1/checks/cpu?namespace=web')).status === 404, EVENT_MS);
  });

  it('marks a Check only the server can refuse Valid=False and runs it nowhere', async () => {
    await kubectl(['apply', '-f', '-'], checkYaml('bad-regex', '  process: { pattern: "([unclosed" }\n'));
    await waitFor(async () => (await checkStatus('bad-regex'))?.health === 'Invalid', EVENT_MS);
    const valid = (await checkStatus('bad-regex'))!.conditions.find((c: { type: string }) => c.type === 'Valid');
    expect(valid).toMatchObject({
      status: 'False',
      reason: 'InvalidSpec',
      message: expect.stringContaining('regular expression'),
    });
    expect((await call('GET', '/api/v1/checks/bad-regex?namespace=web')).status).toBe(404);
  });

  it('marks a Check holding text PostgreSQL cannot store (a NUL) Valid=False naming the field, and stores nothing', async () => {
    // The CRD cannot say "no NUL" (crd.ts): the API server takes it, the server must refuse it as it refuses the REST door's.
    const check = {
      apiVersion: 'vilicus.dev/v1alpha1',
      kind: 'Check',
      metadata: { name: 'nul-pattern', namespace: 'web' },
    };
    await kubectl(['apply', '-f', '-'], JSON.stringify({ ...check, spec: { process: { pattern: '^sleep\u0000' } } }));
    await waitFor(
      async () => (await checkStatus('nul-pattern'))?.health === 'Invalid',
      EVENT_MS,
      () => server.output(),
    );
    const valid = (await checkStatus('nul-pattern'))!.conditions.find((c: { type: string }) => c.type === 'Valid');
    expect(valid).toMatchObject({
      status: 'False',
      reason: 'InvalidSpec',
      message: '/spec/process/pattern: must not hold a NUL (U+0000) or an unpaired surrogate (U+D800-U+DFFF)',
    });
    const events = async (): Promise<string[]> =>
      JSON.parse(
        await kubectl([
          '-n',
          'web',
          'get',
          'events',
          '--field-selector',
          'involvedObject.name=nul-pattern',
          '-o',
          'json',
        ]),
      ).items.map((e: { type: string; reason: string }) => `${e.type} ${e.reason}`);
    await waitFor(async () => (await events()).includes('Warning InvalidCheck'), EVENT_MS);
    expect((await call('GET', '/api/v1/checks/nul-pattern?namespace=web')).status).toBe(404);
  });

  it('refuses invalid Check YAML at the API server', async () => {
    const attempt = kubectl(
      ['apply', '-f', '-'],
      checkYaml('two-kinds', '  process: { name: nginx }\n  cpu: { above: 90 }\n'),
    );
    await expect(attempt).rejects.toThrow(/exactly one probe kind/);
  });

  it('catches up after the API server restarts', async () => {
    await env.restartApiServer();
    await kubectl(['apply', '-f', '-'], checkYaml('after-restart', '  cpu: { above: 99 }\n'));
    await waitFor(
      async () => (await call('GET', '/api/v1/checks/after-restart?namespace=web')).status === 200,
      EVENT_MS,
      () => server.output(),
    );
  });

  // Two replicas share one database; PGlite is one process's, so this runs on PostgreSQL only.
  if (kind === 'postgres')
    it('hands the work to a second server on the same database once the lease of the dead leader runs out', async () => {
      const second = await startServerProcess({
        dataDir: tempDir(),
        adminToken,
        databaseUrl,
        env: serverEnv('server-b'),
      });
      const lease = async () =>
        JSON.parse(await kubectl(['-n', 'default', 'get', 'lease', 'vilicus-leader', '-o', 'json'])).spec;
      expect((await lease()).holderIdentity).toBe('server-a');
      await kubectl(['apply', '-f', '-'], checkYaml('only-leader', '  cpu: { above: 99 }\n'));
      await waitFor(
        async () => (await call('GET', '/api/v1/checks/only-leader?namespace=web')).status === 200,
        EVENT_MS,
      );
      // The leader logged the reconcile (so the line is real); the follower, which saw the same event, did not.
      const reconciledLine = (line: string): boolean =>
        line.includes('check resource reconciled') && line.includes('only-leader');
      await waitFor(async () => server.output().split('\n').some(reconciledLine), EVENT_MS);
      expect(second.output()).not.toMatch(/check resource reconciled/);
      await server.stop('SIGKILL');
      const held = await lease();
      await waitFor(
        async () => (await lease()).holderIdentity === 'server-b',
        EVENT_MS,
        () => second.output(),
      );
      // A takeover, counted once, and only after server-a's last renewal had run out.
      const taken = await lease();
      expect(taken.leaseTransitions).toBe((held.leaseTransitions ?? 0) + 1);
      expect(Date.parse(taken.acquireTime) - Date.parse(held.renewTime)).toBeGreaterThanOrEqual(
        held.leaseDurationSeconds * 1000,
      );
      await kubectl(['apply', '-f', '-'], checkYaml('after-failover', '  cpu: { above: 99 }\n'));
      // The new leader reconciles into the database both share.
      await waitFor(
        async () =>
          (await api(second.url, adminToken)('GET', '/api/v1/checks/after-failover?namespace=web')).status === 200,
        EVENT_MS,
        () => second.output(),
      );
    });
});

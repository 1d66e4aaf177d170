// Check resources end to end on a real kube-apiserver: kubectl apply → the
// server's database → a real agent runs the check → `kubectl get checks`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const adminToken = `admin-${crypto.randomUUID()}`;
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

beforeAll(async () => {
  env = await startEnvtest();
  kubectl = kubectlFor(env.kubeconfig);
  await kubectl(['create', 'namespace', 'web']);
}, 120_000);

afterAll(async () => {
  await killAll();
  await env?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('Check resources', () => {
  let server: ServerProc;
  let agent: Proc;
  const call = (method: string, path: string, body?: unknown) => api(server.url, adminToken)(method, path, body);

  beforeAll(async () => {
    server = await startServerProcess({ dataDir: tempDir(), adminToken, env: serverEnv('server-a') });
    await kubectl(['create', 'serviceaccount', 'vilicus-agent']);
    const tokenFile = join(tempDir(), 'token');
    writeFileSync(tokenFile, await agentOnNode('node-1', { role: 'web' }));
    agent = vilicus(['agent', '--server', server.url], { VILICUS_TOKEN_FILE: tokenFile, NODE_NAME: 'node-1' });
  }, 180_000); // the server may take up to 120 s to be ready on a loaded machine

  it('runs the examples applied with kubectl on the Node, and shows them in kubectl get checks', async () => {
    await kubectl(['apply', '-f', 'examples/checks/']);
    // node-1 has reported: OK, or — on a busy host — a CRITICAL pending for the example's `for: 1m` window,
    // which is not failing (before pending problems this read UNKNOWN and Failing).
    const reported = async () => {
      const status = await checkStatus('cpu-busy', 'default');
      return status?.summary && status.summary.ok + status.summary.pending > 0 ? status : undefined;
    };
    // The table and the status it shows, read while the status held still (a new result may land between reads).
    let cpu: Record<string, any> | undefined;
    let table = '';
    await waitFor(
      async () => {
        cpu = await reported();
        table = await kubectl(['get', 'checks']);
        return cpu !== undefined && JSON.stringify(cpu) === JSON.stringify(await reported());
      },
      30_000,
      () => agent.output() + server.output(),
    );
    const { health, summary, pending } = cpu!;
    expect(summary.failing).toBe(0);
    expect(pending.map((p: { node: string }) => p.node)).toEqual(summary.pending ? ['node-1'] : []);
    expect(table).toMatch(new RegExp(`cpu-busy\\s+cpu\\s+${health}\\s+${summary.ok}\\s+0\\s+${summary.pending}\\s`));
    // nginx-running selects role=web: node-1 runs it (and has no nginx)
    await waitFor(async () => (await checkStatus('nginx-running', 'default'))?.health === 'Failing', 30_000);
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
      30_000,
      () => agent.output() + server.output(),
    );
    const table = await kubectl(['-n', 'web', 'get', 'checks']);
    expect(table).toMatch(/sleeper\s+process\s+OK\s+1\s+0/);
    await sleeper.proc.stop('SIGKILL');
    await waitFor(async () => (await checkStatus('sleeper'))?.health === 'Failing', 15_000);
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
    await waitFor(async () => (await checkStatus('cpu'))?.observedGeneration === 1, 15_000);
    await kubectl(['apply', '-f', '-'], checkYaml('cpu', '  cpu: { above: 98 }\n  interval: 2s\n'));
    await waitFor(async () => (await checkStatus('cpu'))?.observedGeneration === 2, 15_000);
    const viaRest = await call('GET', '/api/v1/checks/cpu?namespace=web');
    expect(viaRest.body.metadata).toMatchObject({ source: 'crd', generation: 2 });
    expect(viaRest.body.spec.cpu.above).toBe(98);
    const put = await call('PUT', '/api/v1/checks/cpu?namespace=web', {
      metadata: { name: 'cpu' },
      spec: { cpu: { above: 50 } },
    });
    expect(put.status).toBe(409);
    await kubectl(['-n', 'web', 'delete', 'check', 'cpu']);
    await waitFor(async () => (await call('GET', '/api/v1/checks/cpu?namespace=web')).status === 404, 15_000);
  });

  it('marks a Check only the server can refuse Valid=False and runs it nowhere', async () => {
    await kubectl(['apply', '-f', '-'], checkYaml('bad-regex', '  process: { pattern: "([unclosed" }\n'));
    await waitFor(async () => (await checkStatus('bad-regex'))?.health === 'Invalid', 15_000);
    const valid = (await checkStatus('bad-regex'))!.conditions.find((c: { type: string }) => c.type === 'Valid');
    expect(valid).toMatchObject({
      status: 'False',
      reason: 'InvalidSpec',
      message: expect.stringContaining('regular expression'),
    });
    expect((await call('GET', '/api/v1/checks/bad-regex?namespace=web')).status).toBe(404);
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
      40_000,
      () => server.output(),
    );
  }, 90_000);

  it('hands the work to a second server within the lease duration when the leader dies', async () => {
    const second = await startServerProcess({ dataDir: tempDir(), adminToken, env: serverEnv('server-b') });
    const lease = async () =>
      JSON.parse(await kubectl(['-n', 'default', 'get', 'lease', 'vilicus-leader', '-o', 'json'])).spec;
    expect((await lease()).holderIdentity).toBe('server-a');
    await kubectl(['apply', '-f', '-'], checkYaml('only-leader', '  cpu: { above: 99 }\n'));
    await waitFor(async () => (await call('GET', '/api/v1/checks/only-leader?namespace=web')).status === 200, 15_000);
    expect(second.output()).not.toMatch(/check resource reconciled/); // the follower does not reconcile
    await server.stop('SIGKILL');
    const killedAt = Date.now();
    await waitFor(
      async () => (await lease()).holderIdentity === 'server-b',
      30_000,
      () => second.output(),
    );
    console.log(`leader SIGKILL → server-b holds the lease in ${Date.now() - killedAt} ms (lease 15 s)`);
    expect(Date.now() - killedAt).toBeLessThan(15_000 + 2_000 + 2_000);
    await kubectl(['apply', '-f', '-'], checkYaml('after-failover', '  cpu: { above: 99 }\n'));
    await waitFor(
      async () => second.output().includes('after-failover'),
      15_000,
      () => second.output(),
    );
  }, 60_000);
});

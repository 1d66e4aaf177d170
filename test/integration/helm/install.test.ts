// `helm install`, `upgrade` and `uninstall` onto a real kube-apiserver
// (test/k8s/envtest.ts): the API server validates and stores every object;
// nothing runs them (no kubelet). The control plane starts without CRDs, so
// the Check CRD here is the one helm installs from the chart's crds/.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnvtest, type Envtest } from '../../k8s/envtest.ts';
import { CHART, helmClient, kubectlClient, parseManifests, setArgs, type K8sObject } from './helm.ts';

const NS = 'vilicus';
const RELEASE = 'vilicus';
const SERVICE_MONITOR_CRD = fileURLToPath(new URL('./fixtures/servicemonitor-crd.yaml', import.meta.url));

describe('helm install, upgrade and uninstall on a real API server', () => {
  let env: Envtest;
  let emptyCrdDir: string;
  let helm: ReturnType<typeof helmClient>;
  let kubectl: ReturnType<typeof kubectlClient>;

  const secretValue = async (name: string, key: string): Promise<string> =>
    Buffer.from(await kubectl(['-n', NS, 'get', 'secret', name, '-o', `jsonpath={.data.${key}}`]), 'base64').toString();
  const get = async (kind: string, name: string): Promise<K8sObject> =>
    JSON.parse(await kubectl(['-n', NS, 'get', kind, name, '-o', 'json'])) as K8sObject;
  const exists = async (kind: string, name: string, namespaced = true): Promise<boolean> =>
    (
      await kubectl([...(namespaced ? ['-n', NS] : []), 'get', kind, name, '--ignore-not-found', '-o', 'name'])
    ).trim() !== '';
  /** `resource` as kubectl takes it (`leases.coordination.k8s.io/NAME`); `#status` asks about the subresource. */
  const canI = async (serviceAccount: string, verb: string, resource: string, namespace = NS): Promise<boolean> => {
    const as = `system:serviceaccount:${NS}:${serviceAccount}`;
    const [what, subresource] = resource.split('#');
    const sub = subresource ? ['--subresource', subresource] : [];
    const answer = await kubectl(['auth', 'can-i', verb, what!, ...sub, '-n', namespace, '--as', as]).catch(
      (err: Error) => err.message,
    );
    return /^yes\b/m.test(answer);
  };
  const serverEnv = async (): Promise<Record<string, any>> => {
    const deployment = await get('deployment', RELEASE);
    return Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: any) => [e.name, e]));
  };

  beforeAll(async () => {
    emptyCrdDir = mkdtempSync(join(tmpdir(), 'vilicus-no-crds-'));
    env = await startEnvtest({ crdDir: emptyCrdDir });
    helm = helmClient(env.kubeconfig);
    kubectl = kubectlClient(env.kubeconfig);
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
    if (emptyCrdDir) rmSync(emptyCrdDir, { recursive: true, force: true });
  }, 60_000);

  it('installs with the default values, the CRD included, and prints how to reach it', async () => {
    // The API server warns about pod templates that break the namespace's `warn` Pod Security level.
    await kubectl(['create', 'namespace', NS]);
    await kubectl(['label', 'namespace', NS, 'pod-security.kubernetes.io/warn=restricted']);
    const install = await helm.exec(['install', RELEASE, CHART, '--namespace', NS]);
    expect(install.code, install.stderr).toBe(0);
    const out = install.stdout;
    expect(out).toContain('STATUS: deployed');
    // Only the agent falls short of "restricted", and only by what it is for (chart README).
    const warnings = install.stderr.split('\n').filter((l) => l.includes('would violate PodSecurity'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('host namespaces (hostPID=true)');
    expect(warnings[0]).toMatch(
      /restricted volume types \(volume .*host-root.* uses restricted volume type .*hostPath/,
    );
    expect(warnings[0]).not.toMatch(/allowPrivilegeEscalation|runAsNonRoot|capabilities|seccompProfile|privileged/);
    expect(out).toContain(`kubectl -n ${NS} port-forward svc/${RELEASE} 8080:8080`);
    expect(out).toContain(`kubectl -n ${NS} get secret ${RELEASE} -o jsonpath='{.data.admin-token}' | base64 -d`);
    // Without a default StorageClass the bundled PostgreSQL stays Pending: the NOTES say so (issue 13, bug 7).
    expect(out).toContain("8Gi PersistentVolumeClaim from the cluster's default StorageClass");
    expect(out).toContain('set postgresql.persistence.storageClass to one of them');

    await kubectl(['wait', '--for=condition=Established', 'crd/checks.vilicus.dev', '--timeout=30s']);
    const manifest = parseManifests(await helm.run(['get', 'manifest', RELEASE, '-n', NS]));
    expect(manifest.length).toBeGreaterThan(10);
    for (const o of manifest)
      expect(
        await exists(o.kind, o.metadata.name, o.metadata.namespace !== undefined),
        `${o.kind}/${o.metadata.name}`,
      ).toBe(true);
    expect(await secretValue(RELEASE, 'admin-token')).toMatch(/^vadm_[A-Za-z0-9]{40}$/);
  }, 120_000);

  it('accepts the README example Check and refuses one with two probes', async () => {
    const check = {
      apiVersion: 'vilicus.dev/v1alpha1',
      kind: 'Check',
      metadata: { name: 'nginx-running', namespace: NS },
      spec: { process: { name: 'nginx', minCount: 1 }, interval: '30s', severity: 'critical' },
    };
    await kubectl(['apply', '-f', '-'], JSON.stringify(check));
    expect(await kubectl(['-n', NS, 'get', 'checks', '-o', 'name'])).toContain('check.vilicus.dev/nginx-running');
    const twoProbes = {
      ...check,
      metadata: { name: 'both', namespace: NS },
      spec: { ...check.spec, cpu: { above: 90 } },
    };
    await expect(kubectl(['apply', '-f', '-'], JSON.stringify(twoProbes))).rejects.toThrow(/exactly one|Invalid/i);
  });

  it('gives the server the API calls it makes, and nothing more', async () => {
    const server = `${RELEASE}-server`;
    for (const [verb, resource] of [
      ['watch', 'checks.vilicus.dev'],
      ['list', 'checks.vilicus.dev'],
      ['patch', 'checks.vilicus.dev#status'],
      ['update', 'checks.vilicus.dev#status'],
      ['create', 'events'],
      ['list', 'events'],
      ['list', 'nodes'],
      ['get', 'pods'],
      ['create', 'tokenreviews.authentication.k8s.io'],
      ['create', 'leases.coordination.k8s.io'],
      ['update', 'leases.coordination.k8s.io/vilicus-leader'],
      ['get', 'leases.coordination.k8s.io/vilicus-leader'],
    ])
      expect(await canI(server, verb!, resource!), `${verb} ${resource}`).toBe(true);
    expect(await canI(server, 'watch', 'checks.vilicus.dev', 'web')).toBe(true); // any namespace
    expect(await canI(server, 'get', 'pods', 'web')).toBe(false); // pods only where the agents run
    for (const [verb, resource] of [
      ['update', 'checks.vilicus.dev'],
      ['delete', 'checks.vilicus.dev'],
      ['create', 'checks.vilicus.dev'],
      ['get', 'secrets'],
      ['create', 'pods'],
      ['list', 'pods'],
      ['create', 'events.events.k8s.io'],
      ['update', 'leases.coordination.k8s.io/someone-elses'],
      ['delete', 'leases.coordination.k8s.io/vilicus-leader'],
      ['update', 'nodes'],
    ])
      expect(await canI(server, verb!, resource!), `${verb} ${resource}`).toBe(false);
  });

  it('gives the agent nothing from the API server, but a token the server can review', async () => {
    const agent = `${RELEASE}-agent`;
    for (const [verb, resource] of [
      ['get', 'checks.vilicus.dev'],
      ['list', 'pods'],
      ['get', 'nodes'],
      ['create', 'tokenreviews.authentication.k8s.io'],
      ['get', 'secrets'],
    ])
      expect(await canI(agent, verb!, resource!), `${verb} ${resource}`).toBe(false);
    // What the projected volume holds: a token for audience vilicus; the server reviews it.
    const token = (await kubectl(['-n', NS, 'create', 'token', agent, '--audience', 'vilicus'])).trim();
    const review = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token, audiences: ['vilicus'] },
    };
    const result = JSON.parse(await kubectl(['create', '-f', '-', '-o', 'json'], JSON.stringify(review)));
    const expected = JSON.parse(
      await kubectl(['-n', NS, 'get', 'deployment', RELEASE, '-o', 'json']),
    ).spec.template.spec.containers[0].env.find((e: any) => e.name === 'VILICUS_AGENT_SERVICE_ACCOUNT').value;
    expect(result.status.user.username).toBe(`system:serviceaccount:${expected}`);
  });

  it('upgrades with changed values, keeping the generated secrets', async () => {
    const adminToken = await secretValue(RELEASE, 'admin-token');
    const password = await secretValue(`${RELEASE}-postgresql`, 'password');
    await kubectl(['create', '-f', SERVICE_MONITOR_CRD]);
    await kubectl([
      'wait',
      '--for=condition=Established',
      'crd/servicemonitors.monitoring.coreos.com',
      '--timeout=30s',
    ]);
    await kubectl(['-n', NS, 'create', 'secret', 'generic', 'smtp', '--from-literal=smtp-url=smtp://u:p@mail:587']);

    const values = {
      'server.replicas': 3,
      'smtp.existingSecret': 'smtp',
      'smtp.to': '{ops@example.com}',
      'agent.hostNetwork': true,
      'metrics.serviceMonitor.enabled': true,
      'ingress.enabled': true,
    };
    const out = await helm.run(['upgrade', RELEASE, CHART, '-n', NS, ...setArgs(values)]);
    expect(out).toContain('REVISION: 2');

    expect((await get('deployment', RELEASE)).spec.replicas).toBe(3);
    const envs = await serverEnv();
    expect(envs['VILICUS_SMTP_URL'].valueFrom.secretKeyRef).toEqual({ name: 'smtp', key: 'smtp-url' });
    expect(envs['VILICUS_PUBLIC_URL'].value).toBe('http://vilicus.example.com');
    const agent = (await get('daemonset', `${RELEASE}-agent`)).spec.template.spec;
    expect(agent.hostNetwork).toBe(true);
    expect(agent.dnsPolicy).toBe('ClusterFirstWithHostNet');
    expect((await get('servicemonitor', RELEASE)).spec.endpoints[0]).toMatchObject({ port: 'http', path: '/metrics' });
    expect(await exists('ingress', RELEASE)).toBe(true);
    expect(await secretValue(RELEASE, 'admin-token')).toBe(adminToken);
    expect(await secretValue(`${RELEASE}-postgresql`, 'password')).toBe(password);
  }, 120_000);

  it('upgrades to an external database: the bundled one goes, its password stays', async () => {
    await kubectl([
      '-n',
      NS,
      'create',
      'secret',
      'generic',
      'db',
      '--from-literal=uri=postgres://vilicus:secret@db.example.com:5432/vilicus',
    ]);
    const values = {
      'postgresql.enabled': false,
      'externalDatabase.existingSecret': 'db',
      'externalDatabase.existingSecretKey': 'uri',
    };
    await helm.run(['upgrade', RELEASE, CHART, '-n', NS, ...setArgs(values)]);
    expect(await exists('statefulset', `${RELEASE}-postgresql`)).toBe(false);
    expect(await exists('service', `${RELEASE}-postgresql`)).toBe(false);
    expect(await exists('secret', `${RELEASE}-postgresql`)).toBe(true); // helm.sh/resource-policy: keep
    const envs = await serverEnv();
    expect(envs['DATABASE_URL'].valueFrom.secretKeyRef).toEqual({ name: 'db', key: 'uri' });
    expect(envs['VILICUS_POSTGRES_PASSWORD']).toBeUndefined();
    // Values not given again fall back to the defaults (helm upgrade without --reuse-values).
    expect((await get('deployment', RELEASE)).spec.replicas).toBe(2);
    expect(await exists('servicemonitor', RELEASE)).toBe(false);
  }, 120_000);

  it('uninstalls everything but the CRD, the Checks and the kept password; a reinstall reuses it', async () => {
    const password = await secretValue(`${RELEASE}-postgresql`, 'password');
    const manifest = parseManifests(await helm.run(['get', 'manifest', RELEASE, '-n', NS]));
    expect(await helm.run(['uninstall', RELEASE, '-n', NS])).toContain('uninstalled');
    for (const o of manifest)
      expect(
        await exists(o.kind, o.metadata.name, o.metadata.namespace !== undefined),
        `${o.kind}/${o.metadata.name}`,
      ).toBe(false);
    expect(await exists('crd', 'checks.vilicus.dev', false)).toBe(true);
    expect(await exists('check', 'nginx-running')).toBe(true);
    expect((await helm.run(['list', '-n', NS, '-q'])).trim()).toBe('');

    await helm.run(['install', RELEASE, CHART, '-n', NS]);
    expect(await secretValue(`${RELEASE}-postgresql`, 'password')).toBe(password);
    await helm.run(['uninstall', RELEASE, '-n', NS]);
  }, 120_000);
});

// The chart as rendered by the real helm: lint, the objects for the default
// values and for production-like ones, the labels, probes and security
// settings every object must carry, and the values helm must refuse.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART, helmClient, parseManifests, podSpecOf, setArgs, type K8sObject } from './helm.ts';

const helm = helmClient();
const NS = 'mon';
type Values = Record<string, string | number | boolean>;

const variants: Record<string, Values> = {
  defaults: {},
  // What the README recommends for production: your own PostgreSQL and Secrets.
  production: {
    'postgresql.enabled': false,
    'externalDatabase.existingSecret': 'vilicus-db',
    'externalDatabase.existingSecretKey': 'uri',
    'adminToken.existingSecret': 'vilicus-admin',
    'smtp.existingSecret': 'vilicus-smtp',
    'smtp.to': '{ops@example.com,oncall@example.com}',
    'metrics.serviceMonitor.enabled': true,
    'metrics.serviceMonitor.labels.release': 'prometheus',
    'ingress.enabled': true,
    'ingress.tlsSecretName': 'vilicus-tls',
    'server.replicas': 3,
    'server.watchNamespaces': '{web,db}',
  },
  'external URL in values': { 'postgresql.enabled': false, 'externalDatabase.url': 'postgres://u:p@db:5432/vilicus' },
  'no agent, no RBAC, no extras': {
    'agent.enabled': false,
    'rbac.create': false,
    'server.serviceAccount.create': false,
    'server.podDisruptionBudget.enabled': false,
    'server.topologySpreadConstraints': 'null',
  },
  'agent on the host network without the host root': { 'agent.hostNetwork': true, 'agent.hostRoot': false },
  'alert channels from Secrets': {
    'alertmanager.urls': '{http://am-0.monitoring:9093,http://am-1.monitoring:9093}',
    'alertmanager.existingSecret': 'vilicus-alertmanager',
    'webhooks.existingSecret': 'vilicus-webhooks',
    'webhooks.signingSecret': 'vilicus-webhook-signing',
    'webhooks.default': '{chat}',
  },
  'webhook receivers in values': {
    'webhooks.receivers.ops': 'http://ops.internal/hook',
    'webhooks.receivers.chat': 'http://chat/h',
  },
};

const STANDARD_LABELS = [
  'helm.sh/chart',
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/component',
  'app.kubernetes.io/version',
  'app.kubernetes.io/managed-by',
  'app.kubernetes.io/part-of',
];

async function render(values: Values = {}, release = 't'): Promise<K8sObject[]> {
  return parseManifests(await helm.run(['template', release, CHART, '--namespace', NS, ...setArgs(values)]));
}

const find = (objects: K8sObject[], kind: string, name?: string): K8sObject | undefined =>
  objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
const containersOf = (objects: K8sObject[]): { owner: string; pod: any; container: any }[] =>
  objects.flatMap((o) => {
    const pod = podSpecOf(o);
    return pod
      ? pod.spec.containers.map((container: any) => ({ owner: `${o.kind}/${o.metadata.name}`, pod, container }))
      : [];
  });
const envOf = (container: any, name: string): any => container.env.find((e: any) => e.name === name);

describe('helm lint', () => {
  it.each(Object.entries(variants))('passes --strict with %s', async (_name, values) => {
    const out = await helm.run(['lint', CHART, '--strict', ...setArgs(values)]);
    expect(out).toContain('1 chart(s) linted, 0 chart(s) failed');
  });
});

describe.each(Object.entries(variants))('helm template with %s', (_name, values) => {
  let objects: K8sObject[];
  beforeAll(async () => (objects = await render(values)));

  it('gives every object, and every pod, the standard labels', () => {
    expect(objects.length).toBeGreaterThan(5);
    for (const o of objects) {
      const where = `${o.kind}/${o.metadata.name}`;
      for (const label of STANDARD_LABELS) expect(o.metadata.labels?.[label], `${where} ${label}`).toBeTruthy();
      expect(o.metadata.labels?.['app.kubernetes.io/instance']).toBe('t');
      const pod = podSpecOf(o);
      if (!pod) continue;
      for (const label of STANDARD_LABELS) expect(pod.metadata.labels?.[label], `${where} pod ${label}`).toBeTruthy();
      expect(pod.metadata.labels).toMatchObject(o.spec.selector.matchLabels);
    }
  });

  it('puts namespaced objects in the release namespace', () => {
    const clusterScoped = ['ClusterRole', 'ClusterRoleBinding'];
    for (const o of objects) expect(o.metadata.namespace).toBe(clusterScoped.includes(o.kind) ? undefined : NS);
  });

  it('runs every container non-root, read-only, without privilege escalation or capabilities', () => {
    for (const { owner, pod, container } of containersOf(objects)) {
      expect(pod.spec.securityContext, owner).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.spec.securityContext.runAsUser, owner).toBeGreaterThan(0);
      expect(container.securityContext, owner).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        privileged: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(pod.spec.hostIPC, owner).toBeUndefined();
    }
  });

  it('gives every container requests and limits', () => {
    for (const { owner, container } of containersOf(objects)) {
      expect(Object.keys(container.resources.requests).sort(), owner).toEqual(['cpu', 'memory']);
      expect(Object.keys(container.resources.limits).sort(), owner).toEqual(['cpu', 'memory']);
    }
  });

  it('probes the server on /readyz and /healthz, and PostgreSQL with pg_isready', () => {
    const server = containersOf(objects).find((c) => c.container.name === 'server')!.container;
    expect(server.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(server.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(server.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    const postgres = containersOf(objects).find((c) => c.container.name === 'postgresql')?.container;
    if (postgres) {
      expect(postgres.readinessProbe.exec.command.join(' ')).toContain('pg_isready');
      expect(postgres.livenessProbe.exec.command.join(' ')).toContain('pg_isready');
    }
  });

  it('takes every secret from a Secret, never from a plain value', () => {
    for (const { owner, container } of containersOf(objects)) {
      for (const env of container.env ?? []) {
        if (!/TOKEN$|PASSWORD|SMTP_URL|DATABASE_URL|_AUTH$/.test(env.name)) continue;
        if (env.valueFrom) expect(env.valueFrom.secretKeyRef, `${owner} ${env.name}`).toBeDefined();
        // The bundled database's URL is assembled by the kubelet from the password variable.
        else
          expect(env.value, `${owner} ${env.name}`).toMatch(/^postgres:\/\/vilicus:\$\(VILICUS_POSTGRES_PASSWORD\)@/);
      }
    }
  });

  it('refers only to Secrets the chart makes or the values name', () => {
    const made = new Set(objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name));
    const named = ['vilicus-db', 'vilicus-admin', 'vilicus-smtp', 'vilicus-alertmanager', 'vilicus-webhooks'];
    for (const { owner, container } of containersOf(objects))
      for (const env of container.env ?? []) {
        const ref = env.valueFrom?.secretKeyRef;
        if (ref)
          expect(made.has(ref.name) || named.includes(ref.name), `${owner} ${env.name} → ${ref.name}`).toBe(true);
      }
  });
});

describe('the default values', () => {
  let objects: K8sObject[];
  beforeAll(async () => (objects = await render()));

  it('render the objects of a trial install', () => {
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(names).toEqual(
      [
        'ClusterRole/mon-t-vilicus-server',
        'ClusterRoleBinding/mon-t-vilicus-server',
        'DaemonSet/t-vilicus-agent',
        'Deployment/t-vilicus',
        'PodDisruptionBudget/t-vilicus',
        'Role/t-vilicus-server',
        'RoleBinding/t-vilicus-server',
        'Secret/t-vilicus',
        'Secret/t-vilicus-postgresql',
        'Service/t-vilicus',
        'Service/t-vilicus-postgresql',
        'ServiceAccount/t-vilicus-agent',
        'ServiceAccount/t-vilicus-server',
        'StatefulSet/t-vilicus-postgresql',
      ].sort(),
    );
  });

  it('run two server replicas spread over nodes, in Kubernetes mode, with a disruption budget', () => {
    const deployment = find(objects, 'Deployment')!;
    expect(deployment.spec.replicas).toBe(2);
    const pod = deployment.spec.template.spec;
    const selector = deployment.spec.selector.matchLabels;
    expect(selector['app.kubernetes.io/component']).toBe('server');
    for (const c of pod.topologySpreadConstraints) expect(c.labelSelector.matchLabels).toEqual(selector);
    expect(pod.topologySpreadConstraints.map((c: any) => c.topologyKey)).toContain('kubernetes.io/hostname');
    expect(find(objects, 'PodDisruptionBudget')!.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: selector },
    });
    expect(find(objects, 'Service', 't-vilicus')!.spec.selector).toEqual(selector);

    const server = pod.containers[0];
    expect(envOf(server, 'VILICUS_KUBERNETES').value).toBe('on');
    expect(envOf(server, 'VILICUS_POD_NAME').valueFrom.fieldRef.fieldPath).toBe('metadata.name');
    expect(envOf(server, 'VILICUS_POD_NAMESPACE').valueFrom.fieldRef.fieldPath).toBe('metadata.namespace');
    expect(envOf(server, 'VILICUS_AGENT_SERVICE_ACCOUNT').value).toBe(`${NS}:t-vilicus-agent`);
    expect(envOf(server, 'VILICUS_LEASE_NAME').value).toBe('t-vilicus-leader');
    expect(envOf(server, 'VILICUS_ADMIN_TOKEN').valueFrom.secretKeyRef).toEqual({
      name: 't-vilicus',
      key: 'admin-token',
    });
    expect(envOf(server, 'VILICUS_SMTP_URL')).toBeUndefined();
    expect(pod.serviceAccountName).toBe('t-vilicus-server');
    // The password variable must come first: $(VAR) expands only earlier variables.
    const names = server.env.map((e: any) => e.name);
    expect(names.indexOf('VILICUS_POSTGRES_PASSWORD')).toBeLessThan(names.indexOf('DATABASE_URL'));
    expect(envOf(server, 'DATABASE_URL').value).toBe(
      'postgres://vilicus:$(VILICUS_POSTGRES_PASSWORD)@t-vilicus-postgresql:5432/vilicus',
    );
  });

  it('run the agent on every node in the host PID namespace with only its projected token', () => {
    const daemonSet = find(objects, 'DaemonSet')!;
    const pod = daemonSet.spec.template.spec;
    expect(pod.hostPID).toBe(true);
    expect(pod.hostNetwork).toBeUndefined();
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(pod.serviceAccountName).toBe('t-vilicus-agent');
    const agent = pod.containers[0];
    expect(agent.securityContext.capabilities).toEqual({ drop: ['ALL'] });
    expect(pod.securityContext.runAsUser).toBe(65534);
    expect(envOf(agent, 'NODE_NAME').valueFrom.fieldRef.fieldPath).toBe('spec.nodeName');
    expect(envOf(agent, 'VILICUS_SERVER').value).toBe(`http://t-vilicus.${NS}.svc:8080`);
    expect(envOf(agent, 'VILICUS_HOST_ROOT').value).toBe('/host');
    expect(envOf(agent, 'VILICUS_TOKEN_FILE').value).toBe('/var/run/secrets/vilicus/token');
    const token = pod.volumes.find((v: any) => v.name === 'vilicus-token');
    expect(token.projected.sources).toEqual([
      { serviceAccountToken: { audience: 'vilicus', expirationSeconds: 3600, path: 'token' } },
    ]);
    expect(agent.volumeMounts).toContainEqual({
      name: 'host-root',
      mountPath: '/host',
      readOnly: true,
    });
    expect(agent.livenessProbe).toBeUndefined(); // it serves nothing (chart README)
    const serviceAccount = find(objects, 'ServiceAccount', 't-vilicus-agent')!;
    expect(serviceAccount.automountServiceAccountToken).toBe(false);
  });

  it('grant the server exactly its API calls, and the agent nothing', () => {
    expect(find(objects, 'ClusterRole')!['rules']).toEqual([
      { apiGroups: ['vilicus.dev'], resources: ['checks'], verbs: ['get', 'list', 'watch', 'patch'] },
      { apiGroups: ['vilicus.dev'], resources: ['checks/status'], verbs: ['get', 'update', 'patch'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch', 'list'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
      // another release's leader Lease: does its claim on a Check still hold (docs/adr/0005)?
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get'] },
    ]);
    expect(find(objects, 'Role')!['rules']).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        resourceNames: ['t-vilicus-leader'],
        verbs: ['get', 'update'],
      },
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] }, // the agents' pods, in this namespace only
    ]);
    const subjects = objects
      .filter((o) => o.kind.endsWith('Binding'))
      .flatMap((o) => o['subjects'].map((s: any) => s.name));
    expect(new Set(subjects)).toEqual(new Set(['t-vilicus-server']));
  });

  it('keep the PostgreSQL password across uninstall, since its volume outlives it', () => {
    const secret = find(objects, 'Secret', 't-vilicus-postgresql')!;
    expect(secret.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    expect(Buffer.from(secret['data'].password, 'base64').toString()).toMatch(/^[A-Za-z0-9]{32}$/);
    const admin = find(objects, 'Secret', 't-vilicus')!;
    expect(Buffer.from(admin['data']['admin-token'], 'base64').toString()).toMatch(/^vadm_[A-Za-z0-9]{40}$/);
    const statefulSet = find(objects, 'StatefulSet')!;
    expect(statefulSet.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('8Gi');
  });
});

describe('the leader Lease', () => {
  /** The Lease the server elects with, and the one its Role lets it get and update. */
  const leaseOf = async (release: string, values: Values = {}): Promise<{ env: string; role: string[] }> => {
    const objects = await render(values, release);
    const server = find(objects, 'Deployment')!.spec.template.spec.containers[0];
    const rule = find(objects, 'Role')!['rules'].find((r: any) => r.resourceNames);
    return { env: envOf(server, 'VILICUS_LEASE_NAME').value, role: rule.resourceNames };
  };

  it.each([
    // the README's release: the name the server defaults to off the chart too
    ['vilicus', {}, 'vilicus-leader'],
    // a second release in the same namespace elects apart
    ['vilicus-two', {}, 'vilicus-two-leader'],
    ['shop', {}, 'shop-vilicus-leader'],
    ['shop', { fullnameOverride: 'mon' }, 'mon-leader'],
    // set by hand
    ['shop', { 'server.leaseName': 'shop-lock' }, 'shop-lock'],
  ])('of release %s with %j is %s, in the env and the Role alike', async (release, values: Values, lease) => {
    expect(await leaseOf(release, values)).toEqual({ env: lease, role: [lease] });
  });
});

describe('production values', () => {
  let objects: K8sObject[];
  beforeAll(async () => (objects = await render(variants['production'])));

  it('use the existing Secrets and bundle no database', () => {
    expect(find(objects, 'StatefulSet')).toBeUndefined();
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const server = find(objects, 'Deployment')!.spec.template.spec.containers[0];
    expect(envOf(server, 'DATABASE_URL').valueFrom.secretKeyRef).toEqual({ name: 'vilicus-db', key: 'uri' });
    expect(envOf(server, 'VILICUS_ADMIN_TOKEN').valueFrom.secretKeyRef).toEqual({
      name: 'vilicus-admin',
      key: 'admin-token',
    });
    expect(envOf(server, 'VILICUS_SMTP_URL').valueFrom.secretKeyRef).toEqual({ name: 'vilicus-smtp', key: 'smtp-url' });
    expect(envOf(server, 'VILICUS_MAIL_TO').value).toBe('ops@example.com,oncall@example.com');
    expect(envOf(server, 'VILICUS_NAMESPACES').value).toBe('web,db');
    expect(envOf(server, 'VILICUS_POSTGRES_PASSWORD')).toBeUndefined();
    expect(envOf(server, 'VILICUS_PUBLIC_URL').value).toBe('https://vilicus.example.com');
  });

  it('scrape /metrics on the server Service with a ServiceMonitor', () => {
    const monitor = find(objects, 'ServiceMonitor')!;
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata.labels?.['release']).toBe('prometheus');
    expect(monitor.spec.selector.matchLabels).toEqual(find(objects, 'Service', 't-vilicus')!.spec.selector);
    expect(monitor.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '30s', scrapeTimeout: '10s' }]);
    expect(find(objects, 'Service', 't-vilicus')!.spec.ports).toEqual([
      { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' },
    ]);
  });

  it('route the Ingress with TLS to the server Service', () => {
    const ingress = find(objects, 'Ingress')!;
    expect(ingress.spec.tls).toEqual([{ hosts: ['vilicus.example.com'], secretName: 'vilicus-tls' }]);
    expect(ingress.spec.rules[0].http.paths[0].backend).toEqual({
      service: { name: 't-vilicus', port: { name: 'http' } },
    });
  });
});

describe('alert channel values', () => {
  const serverOf = async (values: Values) =>
    find(await render(values), 'Deployment')!.spec.template.spec as { containers: any[]; volumes: any[] };

  it('point the server at the Alertmanagers and webhooks, with their secrets from the named Secrets', async () => {
    const pod = await serverOf(variants['alert channels from Secrets']!);
    const server = pod.containers[0];
    expect(envOf(server, 'VILICUS_ALERTMANAGER_URL').value).toBe(
      'http://am-0.monitoring:9093,http://am-1.monitoring:9093',
    );
    expect(envOf(server, 'VILICUS_ALERTMANAGER_RESEND').value).toBe('1m');
    expect(envOf(server, 'VILICUS_ALERTMANAGER_AUTH').valueFrom.secretKeyRef).toEqual({
      name: 'vilicus-alertmanager',
      key: 'auth',
    });
    expect(envOf(server, 'VILICUS_WEBHOOKS').valueFrom.secretKeyRef).toEqual({
      name: 'vilicus-webhooks',
      key: 'webhooks',
    });
    expect(envOf(server, 'VILICUS_NOTIFY_WEBHOOKS').value).toBe('chat');
    expect(envOf(server, 'VILICUS_WEBHOOK_SECRETS_DIR').value).toBe('/etc/vilicus/webhook-secrets');
    expect(server.volumeMounts).toContainEqual({
      name: 'webhook-secrets',
      mountPath: '/etc/vilicus/webhook-secrets',
      readOnly: true,
    });
    expect(pod.volumes).toContainEqual({ name: 'webhook-secrets', secret: { secretName: 'vilicus-webhook-signing' } });
  });

  it('list receivers given in values as NAME=URL in name order, and set nothing by default', async () => {
    const server = (await serverOf(variants['webhook receivers in values']!)).containers[0];
    expect(envOf(server, 'VILICUS_WEBHOOKS').value).toBe('chat=http://chat/h,ops=http://ops.internal/hook');
    const plain = (await serverOf({})).containers[0];
    for (const name of ['VILICUS_ALERTMANAGER_URL', 'VILICUS_WEBHOOKS', 'VILICUS_WEBHOOK_SECRETS_DIR'])
      expect(envOf(plain, name)).toBeUndefined();
  });
});

describe('values helm refuses', () => {
  it.each([
    ['no database at all', { 'postgresql.enabled': false }, 'postgresql.enabled=false needs externalDatabase'],
    ['two databases', { 'externalDatabase.url': 'postgres://u:p@db/v' }, 'pick one'],
    ['a misspelt key', { 'server.replica': 3 }, "additional properties 'replica' not allowed"],
    ['a wrong type', { 'server.replicas': 'two' }, 'want integer'],
    ['a bad recipient', { 'smtp.to': '{not-an-address}' }, '/smtp/to/0'],
    ['a database URL of another scheme', { 'externalDatabase.url': 'mysql://db' }, '/externalDatabase/url'],
    ['a bad duration', { 'server.retention': 'a week' }, '/server/retention'],
    ['an Alertmanager URL without a scheme', { 'alertmanager.urls': '{am:9093}' }, '/alertmanager/urls/0'],
    ['a webhook name a check cannot write', { 'webhooks.receivers.Chat': 'http://c/h' }, "invalid propertyName 'Chat'"],
  ])('%s', async (_name, values, message) => {
    const result = await helm.exec(['template', 't', CHART, ...setArgs(values)]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
  });
});

describe('the CRD', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'vilicus-package-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is the top-level crds/ file, in the packaged chart too (helm follows the symlink)', async () => {
    const out = await helm.run(['package', CHART, '--destination', dir]);
    const archive = out.trim().split(': ').at(-1)!;
    const packaged = execFileSync('tar', ['-xzOf', archive, 'vilicus/crds/checks.vilicus.dev.yaml'], {
      encoding: 'utf8',
    });
    const source = readFileSync(new URL('../../../crds/checks.vilicus.dev.yaml', import.meta.url), 'utf8');
    expect(packaged).toBe(source);
    expect(await helm.run(['show', 'crds', archive])).toContain('name: checks.vilicus.dev');
  });
});

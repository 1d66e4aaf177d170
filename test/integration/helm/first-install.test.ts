// What a first `helm install` with no values meets (issue 13): the agent's
// host root without mount propagation (a node with a private / refuses it),
// a release that watches only its own namespace, mail links that name the
// Service instead of 0.0.0.0's 127.0.0.1, probes that let the server wait for
// its database. (The NOTES' StorageClass line is checked by install.test.ts.)
import { beforeAll, describe, expect, it } from 'vitest';
import { CHART, helmClient, parseManifests, setArgs, type K8sObject } from './helm.ts';

const helm = helmClient();
const NS = 'mon';
type Values = Record<string, string | number | boolean>;

async function render(values: Values = {}): Promise<K8sObject[]> {
  return parseManifests(await helm.run(['template', 'first', CHART, '--namespace', NS, ...setArgs(values)]));
}

const container = (objects: K8sObject[], kind: string): any =>
  objects.find((o) => o.kind === kind)!.spec.template.spec.containers[0];
const env = (c: any, name: string): string | undefined => c.env.find((e: any) => e.name === name)?.value;

describe('helm template with no values', () => {
  let objects: K8sObject[];
  beforeAll(async () => (objects = await render()));

  it('mounts the host root without mountPropagation, which a private / refuses', () => {
    const mount = container(objects, 'DaemonSet').volumeMounts.find((m: any) => m.name === 'host-root');
    expect(mount).toEqual({ name: 'host-root', mountPath: '/host', readOnly: true });
  });

  it("watches the release's own namespace only", () => {
    expect(env(container(objects, 'Deployment'), 'VILICUS_NAMESPACES')).toBe(NS);
  });

  it('links mails to the in-cluster Service, not to the listen address', () => {
    expect(env(container(objects, 'Deployment'), 'VILICUS_PUBLIC_URL')).toBe(`http://first-vilicus.${NS}.svc:8080`);
  });

  it('checks liveness on /healthz and readiness on /readyz, and lets the server wait for its database', () => {
    const server = container(objects, 'Deployment');
    expect(server.livenessProbe.httpGet.path).toBe('/healthz');
    expect(server.readinessProbe.httpGet.path).toBe('/readyz');
    expect(server.startupProbe.httpGet.path).toBe('/healthz');
    expect(server.startupProbe.periodSeconds * server.startupProbe.failureThreshold).toBeGreaterThanOrEqual(60);
    expect(env(server, 'VILICUS_DB_WAIT')).toBe('5m');
  });
});

describe('helm template with explicit values', () => {
  it('turns HostToContainer propagation on when asked', async () => {
    const objects = await render({ 'agent.hostRootPropagation': 'HostToContainer' });
    const mount = container(objects, 'DaemonSet').volumeMounts.find((m: any) => m.name === 'host-root');
    expect(mount.mountPropagation).toBe('HostToContainer');
  });

  it('refuses a propagation Kubernetes would refuse for a read-only mount', async () => {
    const result = await helm.exec(['template', 'first', CHART, ...setArgs({ 'agent.hostRootPropagation': 'Both' })]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('hostRootPropagation');
  });

  it.each([
    [{ 'server.watchNamespaces': '{web,db}' }, 'web,db'],
    [{ 'server.watchAllNamespaces': true }, ''],
    [{ 'server.watchAllNamespaces': true, 'server.watchNamespaces': '{web}' }, ''],
  ])('with %j watches %j (empty = every namespace)', async (values, expected) => {
    expect(env(container(await render(values), 'Deployment'), 'VILICUS_NAMESPACES')).toBe(expected);
  });

  it.each([
    [{ 'server.publicUrl': 'https://mon.example.com' }, 'https://mon.example.com'],
    [{ 'ingress.enabled': true, 'ingress.host': 'v.example.com' }, 'http://v.example.com'],
  ])('with %j links mails to %s', async (values, expected) => {
    expect(env(container(await render(values), 'Deployment'), 'VILICUS_PUBLIC_URL')).toBe(expected);
  });
});

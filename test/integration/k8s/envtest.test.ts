// The test control plane (test/k8s/envtest.ts) against the real clients:
// kubectl and helm, as the Kubernetes features of vilicus will use it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveBinary, versions } from '../../k8s/binaries.ts';
import { startEnvtest, type Envtest } from '../../k8s/envtest.ts';
import { run } from '../../k8s/run.ts';

describe('envtest control plane (etcd + kube-apiserver)', () => {
  let env: Envtest;
  let helmHome: string;
  const kubectl = (args: string[], input?: string): Promise<string> =>
    run(resolveBinary('kubectl'), ['--kubeconfig', env.kubeconfig, ...args], input);

  beforeAll(async () => {
    env = await startEnvtest();
    helmHome = await mkdtemp(join(tmpdir(), 'vilicus-helm-'));
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
    if (helmHome) await rm(helmHome, { recursive: true, force: true });
  }, 60_000);

  it('lists the built-in namespaces with kubectl', async () => {
    const names = (await kubectl(['get', 'ns', '-o', 'name'])).split('\n');
    expect(names).toContain('namespace/default');
  });

  it('issues a service-account token for audience vilicus that a TokenReview accepts', async () => {
    await kubectl(['create', 'namespace', 'vilicus-test']);
    await kubectl(['-n', 'vilicus-test', 'create', 'serviceaccount', 'agent']);
    const token = (await kubectl(['-n', 'vilicus-test', 'create', 'token', 'agent', '--audience', 'vilicus'])).trim();
    expect(token.split('.')).toHaveLength(3);

    const review = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } };
    const result = JSON.parse(await kubectl(['create', '-f', '-', '-o', 'json'], JSON.stringify(review)));
    expect(result.status).toMatchObject({
      authenticated: true,
      audiences: ['vilicus'],
      user: { username: 'system:serviceaccount:vilicus-test:agent' },
    });
  });

  it('stores a Node object although no kubelet runs', async () => {
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'web-1', labels: { role: 'web' } } };
    await kubectl(['create', '-f', '-'], JSON.stringify(node));
    expect(await kubectl(['get', 'node', 'web-1', '-o', 'jsonpath={.metadata.labels.role}'])).toBe('web');
  });

  it('runs helm against the server', async () => {
    const helm = (args: string[]): Promise<string> =>
      run(resolveBinary('helm'), ['--kubeconfig', env.kubeconfig, ...args], undefined, {
        HELM_CACHE_HOME: join(helmHome, 'cache'),
        HELM_CONFIG_HOME: join(helmHome, 'config'),
        HELM_DATA_HOME: join(helmHome, 'data'),
      });
    expect(await helm(['version', '--short'])).toContain(versions.helm);
    // Talks to the API server (lists release Secrets): none yet.
    expect((await helm(['list', '--all-namespaces', '-q'])).trim()).toBe('');
  });

  it('serves again after restartApiServer, with the data kept in etcd', async () => {
    await env.restartApiServer();
    const names = (await kubectl(['get', 'ns', '-o', 'name'])).split('\n');
    expect(names).toContain('namespace/vilicus-test');
  }, 120_000);
});

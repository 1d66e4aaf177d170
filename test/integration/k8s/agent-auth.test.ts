// Agents in the cluster sign in with pod-bound ServiceAccount tokens, checked
// by a real kube-apiserver's TokenReview: the agent is the node its token was
// issued on, and nothing else. On PGlite and on the run's PostgreSQL (where
// production keeps its agents), against one control plane.
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClient, RefusedError } from '../../../agent/client.ts';
import type { AppDeps } from '../../../server/api/deps.ts';
import type { KubeSettings } from '../../../server/k8s/client.ts';
import { createKubeAuthenticator, type KubeAuthOptions } from '../../../server/k8s/token-review.ts';
import { createLogger } from '../../../server/log.ts';
import { addAgent, dbKinds, startTestApp, type TestApp } from '../../helpers/app.ts';
import { waitFor } from '../../helpers/processes.ts';
import { startEnvtest, type Envtest } from '../../k8s/envtest.ts';
import { kubectlFor } from '../../k8s/run.ts';

const postgresUrl = inject('postgresUrl');
const NS = 'vilicus';
const settings: KubeSettings = {
  kubernetes: 'on',
  kubeconfig: undefined,
  inCluster: false,
  namespaces: [],
  podName: 'server-0',
  podNamespace: NS,
  leaseName: 'vilicus',
  agentServiceAccount: 'agent',
  resyncMs: 600_000,
};

let env: Envtest;
let kubectl: ReturnType<typeof kubectlFor>;
let t: TestApp;
let kc: KubeConfig;
let fallback: AppDeps['auth'];

const json = (o: unknown): string => JSON.stringify(o);
const node = (name: string, labels: Record<string, string>) =>
  kubectl(['create', '-f', '-'], json({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels } }));
const pod = (name: string, serviceAccount: string, nodeName?: string) =>
  kubectl(
    ['create', '-f', '-'],
    json({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: NS },
      spec: { serviceAccountName: serviceAccount, nodeName, containers: [{ name: 'agent', image: 'vilicus' }] },
    }),
  );
/** What the kubelet mounts for the agent: a token for audience vilicus, bound to the agent's pod. */
const podToken = async (serviceAccount: string, podName: string, audience = 'vilicus') =>
  (
    await kubectl([
      '-n',
      NS,
      'create',
      'token',
      serviceAccount,
      '--audience',
      audience,
      '--bound-object-kind',
      'Pod',
      '--bound-object-name',
      podName,
    ])
  ).trim();

/** The app's agent routes now authenticate through TokenReview (fresh caches per call unless given). */
function useKubeAuth(options?: KubeAuthOptions): void {
  const auth = createKubeAuthenticator(kc, t.db.orm, settings, fallback, createLogger('silent', false), options);
  (t.deps as { auth: AppDeps['auth'] }).auth = auth; // routes read deps.auth per request
}

const whoami = (token: string, agentName?: string) =>
  t.app.inject({
    method: 'GET',
    url: '/api/v1/agent/',
    headers: { authorization: `Bearer ${token}`, ...(agentName ? { 'x-vilicus-agent-name': agentName } : {}) },
  });

beforeAll(async () => {
  env = await startEnvtest();
  kubectl = kubectlFor(env.kubeconfig);
  kc = new KubeConfig();
  kc.loadFromFile(env.kubeconfig);
  await kubectl(['create', 'namespace', NS]);
  await kubectl(['-n', NS, 'create', 'serviceaccount', 'agent']);
  await kubectl(['-n', NS, 'create', 'serviceaccount', 'other']);
  await node('node-a', { role: 'web', 'kubernetes.io/hostname': 'node-a' });
  await node('node-b', { role: 'db' });
  await pod('agent-a', 'agent', 'node-a');
  await pod('agent-b', 'agent', 'node-b');
  await pod('other-a', 'other', 'node-a');
  await pod('agent-z', 'agent', 'node-z'); // a node that has no Node object
}, 120_000);

afterAll(() => env?.stop(), 60_000);

describe.each(dbKinds(postgresUrl))('on %s', (kind) => {
  beforeAll(async () => {
    t = await startTestApp(kind, postgresUrl);
    fallback = t.deps.auth;
    useKubeAuth();
  }, 120_000);

  afterAll(() => t?.close(), 60_000);

  describe('agent authentication by TokenReview', () => {
    it('accepts a pod-bound token of the agent ServiceAccount as the agent of its node, with the Node’s labels', async () => {
      const reply = await whoami(await podToken('agent', 'agent-a'));
      expect(reply.statusCode, reply.body).toBe(200);
      expect(reply.json()).toMatchObject({
        name: 'node-a',
        labels: { role: 'web', 'kubernetes.io/hostname': 'node-a' },
      });
    });

    it('accepts the token when the agent names its own node', async () => {
      const reply = await whoami(await podToken('agent', 'agent-a'), 'node-a');
      expect(reply.statusCode, reply.body).toBe(200);
    });

    it('refuses a token from node-a that claims to be node-b (403)', async () => {
      const reply = await whoami(await podToken('agent', 'agent-a'), 'node-b');
      expect(reply.statusCode).toBe(403);
      expect(reply.json()).toMatchObject({
        error: 'VILICUS_ERR_FORBIDDEN',
        message: 'a token from node node-a cannot act as node-b',
      });
    });

    it('refuses a node-a token checking out as node-b’s agent (403)', async () => {
      const b = await whoami(await podToken('agent', 'agent-b'));
      expect(b.statusCode, b.body).toBe(200);
      const reply = await t.app.inject({
        method: 'PUT',
        url: `/api/v1/agent/${b.json().id}/`,
        headers: { authorization: `Bearer ${await podToken('agent', 'agent-a')}` },
        payload: {},
      });
      expect(reply.statusCode).toBe(403);
    });

    it('refuses a token of another ServiceAccount (403)', async () => {
      const reply = await whoami(await podToken('other', 'other-a'));
      expect(reply.statusCode).toBe(403);
      expect(reply.json().message).toContain('system:serviceaccount:vilicus:other is not the agent ServiceAccount');
    });

    it('refuses a token for another audience (401)', async () => {
      // the API server's own audience: valid for kubectl, not for vilicus
      const reply = await whoami(await podToken('agent', 'agent-a', 'https://kubernetes.default.svc'));
      expect(reply.statusCode).toBe(401);
      expect(reply.json().error).toBe('VILICUS_ERR_UNAUTHENTICATED');
    });

    it('refuses made-up tokens (401)', async () => {
      const forged = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from('{"sub":"system:serviceaccount:vilicus:agent"}').toString('base64url')}.c2ln`;
      expect((await whoami(forged)).statusCode).toBe(401);
      expect((await whoami('not-a-token')).statusCode).toBe(401);
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/agent/' })).statusCode).toBe(401);
    });

    it('refuses a token not bound to a pod: it names no node (403)', async () => {
      const token = (await kubectl(['-n', NS, 'create', 'token', 'agent', '--audience', 'vilicus'])).trim();
      const reply = await whoami(token);
      expect(reply.statusCode).toBe(403);
      expect(reply.json().message).toContain('not bound to a pod');
    });

    it('refuses the agent of a node that is not in the cluster (403)', async () => {
      const reply = await whoami(await podToken('agent', 'agent-z'));
      expect(reply.statusCode).toBe(403);
      expect(reply.json().message).toBe('node node-z is not in the cluster');
    });

    it('finds the node through the pod when the token does not carry it', async () => {
      // Issued while the pod had no node: the token names the pod only.
      const late = `agent-late-${kind}`; // one per database variant: a pod is bound once
      await pod(late, 'agent');
      const early = await podToken('agent', late);
      const bound = await podToken('agent', late);
      expect((await whoami(early)).json().message).toBe(`pod ${late} is not on a node`);
      const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: late }, target: { name: 'node-b' } };
      await kubectl(['create', '--raw', `/api/v1/namespaces/${NS}/pods/${late}/binding`, '-f', '-'], json(binding));
      const reply = await whoami(bound);
      expect(reply.statusCode, reply.body).toBe(200);
      expect(reply.json()).toMatchObject({ name: 'node-b', labels: { role: 'db' } });
    });

    it('refuses the token of a deleted pod once the cached answers are gone (401)', { timeout: 30_000 }, async () => {
      const gone = `agent-gone-${kind}`;
      await pod(gone, 'agent', 'node-a');
      const token = await podToken('agent', gone);
      expect((await whoami(token)).statusCode).toBe(200);
      await kubectl(['-n', NS, 'delete', 'pod', gone, '--grace-period=0', '--force']);
      useKubeAuth({ reviewTtlMs: 0 });
      try {
        // the API server itself caches a successful token authentication for 10 s
        await waitFor(async () => (await whoami(token)).statusCode === 401, 20_000);
      } finally {
        useKubeAuth();
      }
    });

    it('still accepts agent tokens issued by vilicus (off-cluster agents), whatever name they send', async () => {
      const laptop = await addAgent(t, 'laptop');
      const reply = await whoami(laptop.token, 'some-hostname');
      expect(reply.statusCode, reply.body).toBe(200);
      expect(reply.json().name).toBe('laptop');
    });
  });

  describe('the agent’s client', () => {
    let url: string;
    beforeAll(async () => {
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    });

    it('sends its name, so the server refuses a token from another node', async () => {
      const token = await podToken('agent', 'agent-a');
      expect((await createClient(url, token, { agentName: 'node-a' }).whoami()).name).toBe('node-a');
      const wrong = createClient(url, () => token, { agentName: 'node-b' }).whoami();
      await expect(wrong).rejects.toBeInstanceOf(RefusedError);
      await expect(wrong).rejects.toMatchObject({ status: 403 });
    });
  });
});

// A real Kubernetes control plane for tests, the way controller-runtime's
// envtest does it: etcd and kube-apiserver, no kubelet, scheduler or
// controller-manager. Objects (Nodes, Pods, Leases, CRs…) are stored and
// watched for real; nothing runs them. See README.md in this folder.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { acquire } from '../helpers/tools.ts';
import { resolveBinary } from './binaries.ts';
import { adminCredentials, generatePki, type AdminCredentials, type Pki } from './certs.ts';
import { installCrds, readCrds } from './crds.ts';
import { kubeRequest } from './kube-request.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { logTail, startServerProcess, type ServerProcess } from './processes.ts';

export const REPO_CRD_DIR = fileURLToPath(new URL('../../crds', import.meta.url));
/** Audiences the API server accepts tokens for; `kubectl create token --audience vilicus` works. */
export const API_AUDIENCES = ['https://kubernetes.default.svc', 'vilicus'];

export interface EnvtestOptions {
  /** Where the run's folder (certs, etcd data, logs, kubeconfig) is made; default the OS temp dir. */
  parentDir?: string;
  /** CustomResourceDefinitions to install; default the repository's top-level crds/ (skipped when absent). */
  crdDir?: string;
  /** Let etcd and kube-apiserver outlive this process (`npm run k8s:up`). */
  detached?: boolean;
  /** Bound on each wait (etcd health, /readyz, CRDs Established); default 60 s. */
  timeoutMs?: number;
}

export interface EnvtestProcess {
  name: 'etcd' | 'kube-apiserver';
  pid: number;
  binary: string;
}

export interface Envtest {
  /** Path of a kubeconfig with admin (system:masters) credentials inline. */
  kubeconfig: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** CA, serving, admin and service-account keys (see certs.ts). */
  certDir: string;
  /** The run's folder, removed by stop(). */
  dir: string;
  processes(): EnvtestProcess[];
  /** Stops and starts kube-apiserver alone, on the same port and etcd. */
  restartApiServer(): Promise<void>;
  /** Stops everything and removes the run's folder; safe to call twice. */
  stop(): Promise<void>;
}

export async function startEnvtest(options: EnvtestOptions = {}): Promise<Envtest> {
  // Missing binaries fail before anything is started.
  const binaries = { etcd: resolveBinary('etcd'), apiServer: resolveBinary('kube-apiserver') };
  const dir = await mkdtemp(join(options.parentDir ?? tmpdir(), 'vilicus-envtest-'));
  const plane = new ControlPlane(dir, binaries, options);
  try {
    await plane.start(options.crdDir ?? REPO_CRD_DIR);
  } catch (err) {
    await plane.stop();
    throw err;
  }
  return plane;
}

class ControlPlane implements Envtest {
  readonly dir: string;
  readonly kubeconfig: string;
  readonly certDir: string;
  server = '';
  readonly #binaries: { etcd: string; apiServer: string };
  readonly #detached: boolean;
  readonly #timeoutMs: number;
  #ports = { etcdClient: 0, etcdPeer: 0, apiServer: 0 };
  #pki: Pki | undefined;
  #credentials: AdminCredentials | undefined;
  #etcd: ServerProcess | undefined;
  #apiServer: ServerProcess | undefined;
  #stopping: Promise<void> | undefined;
  /** Ends the test-run record that a kube-apiserver is up (test/helpers/tools.ts). */
  #release: (() => void) | undefined;

  constructor(dir: string, binaries: { etcd: string; apiServer: string }, options: EnvtestOptions) {
    this.dir = dir;
    this.kubeconfig = join(dir, 'kubeconfig');
    this.certDir = join(dir, 'certs');
    this.#binaries = binaries;
    this.#detached = options.detached ?? false;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
  }

  async start(crdDir: string): Promise<void> {
    const crds = await readCrds(crdDir);
    this.#pki = await generatePki(this.certDir);
    this.#credentials = await adminCredentials(this.#pki);
    const [etcdClient, etcdPeer, apiServer] = await freePorts(3);
    this.#ports = { etcdClient: etcdClient!, etcdPeer: etcdPeer!, apiServer: apiServer! };
    this.server = `https://127.0.0.1:${this.#ports.apiServer}`;
    await this.#startEtcd();
    await this.#startApiServer();
    await writeKubeconfig(this.kubeconfig, this.server, this.#credentials);
    await installCrds(this.server, this.#credentials, crds, this.#timeoutMs);
    this.#release = acquire('kube-apiserver');
  }

  processes(): EnvtestProcess[] {
    const list: EnvtestProcess[] = [];
    if (this.#apiServer)
      list.push({ name: 'kube-apiserver', pid: this.#apiServer.pid, binary: this.#binaries.apiServer });
    if (this.#etcd) list.push({ name: 'etcd', pid: this.#etcd.pid, binary: this.#binaries.etcd });
    return list;
  }

  async restartApiServer(): Promise<void> {
    await this.#apiServer?.stop();
    await this.#startApiServer();
  }

  stop(): Promise<void> {
    this.#release?.();
    this.#stopping ??= (async () => {
      // The API server first: it would only log errors while etcd is gone.
      await this.#apiServer?.stop();
      await this.#etcd?.stop();
      await rm(this.dir, { recursive: true, force: true });
    })();
    return this.#stopping;
  }

  async #startEtcd(): Promise<void> {
    const client = `http://127.0.0.1:${this.#ports.etcdClient}`;
    const peer = `http://127.0.0.1:${this.#ports.etcdPeer}`;
    this.#etcd = await startServerProcess({
      name: 'etcd',
      binary: this.#binaries.etcd,
      logFile: join(this.dir, 'etcd.log'),
      detached: this.#detached,
      args: [
        '--name=envtest',
        `--data-dir=${join(this.dir, 'etcd')}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=envtest=${peer}`,
        '--initial-cluster-state=new',
        // Throwaway data: durability only costs time.
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
    });
    const etcd = this.#etcd;
    await waitUntil('etcd /health', this.#timeoutMs, etcd, async () => {
      const res = await fetch(`${client}/health`);
      return res.ok && ((await res.json()) as { health?: string }).health === 'true';
    });
  }

  async #startApiServer(): Promise<void> {
    const pki = this.#pki!;
    const credentials = this.#credentials!;
    this.#apiServer = await startServerProcess({
      name: 'kube-apiserver',
      binary: this.#binaries.apiServer,
      logFile: join(this.dir, 'kube-apiserver.log'),
      detached: this.#detached,
      args: [
        `--etcd-servers=http://127.0.0.1:${this.#ports.etcdClient}`,
        `--cert-dir=${pki.dir}`,
        `--tls-cert-file=${pki.servingCert}`,
        `--tls-private-key-file=${pki.servingKey}`,
        `--client-ca-file=${pki.caCert}`,
        `--secure-port=${this.#ports.apiServer}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        // The endpoint reconciler refuses a loopback address, and no Pod
        // here reaches the API server through the `kubernetes` Service.
        '--endpoint-reconciler-type=none',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--service-account-issuer=https://kubernetes.default.svc',
        `--service-account-key-file=${pki.serviceAccountPublicKey}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        `--api-audiences=${API_AUDIENCES.join(',')}`,
        '--authorization-mode=Node,RBAC',
        '--allow-privileged=true',
        // No controller-manager makes the default ServiceAccount of a
        // namespace, which this plugin would require of every Pod.
        '--disable-admission-plugins=ServiceAccount',
      ],
    });
    const apiServer = this.#apiServer;
    // /readyz, then the `default` namespace its bootstrap controller creates,
    // so that a test's first `kubectl get ns` already sees it.
    await waitUntil('kube-apiserver /readyz', this.#timeoutMs, apiServer, async () => {
      const ready = await kubeRequest(this.server, credentials, 'GET', '/readyz');
      if (ready.status !== 200) return false;
      return (await kubeRequest(this.server, credentials, 'GET', '/api/v1/namespaces/default')).status === 200;
    });
  }
}

/** Polls `check` until true; fails early when the process it waits for has exited. */
export async function waitUntil(
  what: string,
  timeoutMs: number,
  proc: ServerProcess,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exited = proc.exitReason();
    if (exited !== null) throw new Error(`${proc.name} ${exited} before ${what} was OK:\n${logTail(proc.logFile)}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} not OK after ${timeoutMs} ms:\n${logTail(proc.logFile)}`);
    await sleep(100);
  }
}

/** Distinct free loopback ports: all listeners stay open until every port is known. */
async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

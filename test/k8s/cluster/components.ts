// The cluster's processes, started detached (they outlive `up`; `down` stops
// them by recorded pid): PKI and kubeconfigs, etcd, the control plane,
// containerd, kubelet and kube-proxy, each on the node's address.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveBinary, type BinaryName } from '../binaries.ts';
import { adminCredentials, generatePki, signedCert, type AdminCredentials, type Pki } from '../certs.ts';
import { API_AUDIENCES, waitUntil } from '../envtest.ts';
import { kubeRequest } from '../kube-request.ts';
import { writeKubeconfig } from '../kubeconfig.ts';
import { startServerProcess, type ServerProcess } from '../processes.ts';
import { configFiles } from './configs.ts';
import { sh } from './host.ts';
import {
  API_PORT,
  API_SERVICE_IP,
  CLUSTER_CIDR,
  NODE_IP,
  NODE_NAME,
  SERVER_URL,
  SERVICE_CIDR,
  paths,
} from './layout.ts';

export interface StartedProcess {
  name: string;
  pid: number;
  binary: string;
}

const TIMEOUT_MS = 120_000;

/** Each component's client identity: the subject RBAC's bootstrap roles expect. */
const IDENTITIES = {
  'kube-controller-manager': '/CN=system:kube-controller-manager',
  'kube-scheduler': '/CN=system:kube-scheduler',
  'kube-proxy': '/CN=system:kube-proxy',
  kubelet: `/O=system:nodes/CN=system:node:${NODE_NAME}`,
} as const;
type Component = keyof typeof IDENTITIES;

export const kubeconfigOf = (c: Component): string => join(paths.config, `${c}.kubeconfig`);

export async function makePki(): Promise<{ pki: Pki; admin: AdminCredentials }> {
  const pki = await generatePki(paths.certs, [
    `IP:${NODE_IP}`,
    `IP:${API_SERVICE_IP}`,
    'IP:127.0.0.1',
    'DNS:localhost',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
  ]);
  const admin = await adminCredentials(pki);
  await writeKubeconfig(paths.kubeconfig, SERVER_URL, admin);
  for (const [name, subject] of Object.entries(IDENTITIES) as [Component, string][]) {
    await signedCert(pki, name, subject, ['extendedKeyUsage=clientAuth']);
    const [cert, key] = await Promise.all(
      ['crt', 'key'].map((ext) => readFile(join(pki.dir, `${name}.${ext}`), 'utf8')),
    );
    await writeKubeconfig(kubeconfigOf(name), SERVER_URL, { ca: admin.ca, cert: cert!, key: key! });
  }
  return { pki, admin };
}

/** Starts one detached process and records it before waiting on it. */
export class Starter {
  readonly #onStart: (p: StartedProcess) => Promise<void>;
  constructor(onStart: (p: StartedProcess) => Promise<void>) {
    this.#onStart = onStart;
  }

  async start(name: BinaryName | 'containerd', args: string[]): Promise<ServerProcess> {
    const binary = name === 'containerd' ? '/usr/bin/containerd' : resolveBinary(name);
    const proc = await startServerProcess({
      name,
      binary,
      args,
      logFile: join(paths.logs, `${name}.log`),
      detached: true,
    });
    const record = { name, pid: proc.pid, binary };
    await this.#onStart(record);
    return proc;
  }
}

export async function startControlPlane(s: Starter, pki: Pki, admin: AdminCredentials): Promise<void> {
  const client = `http://${NODE_IP}:2379`;
  const peer = `http://${NODE_IP}:2380`;
  const etcd = await s.start('etcd', [
    `--name=${NODE_NAME}`,
    `--data-dir=${paths.etcd}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${NODE_NAME}=${peer}`,
    '--initial-cluster-state=new',
    '--unsafe-no-fsync=true', // a throwaway cluster: durability only costs time
    '--log-level=warn',
  ]);
  await waitUntil('etcd /health', TIMEOUT_MS, etcd, async () => (await fetch(`${client}/health`)).ok);
  const apiServer = await s.start('kube-apiserver', [
    `--etcd-servers=${client}`,
    `--cert-dir=${pki.dir}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--secure-port=${API_PORT}`,
    `--bind-address=${NODE_IP}`,
    `--advertise-address=${NODE_IP}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--service-account-issuer=https://kubernetes.default.svc',
    `--service-account-key-file=${pki.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    `--api-audiences=${API_AUDIENCES.join(',')}`,
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    '--allow-privileged=true',
    '--kubelet-preferred-address-types=InternalIP',
    // logs, exec and port-forward: the admin identity, which the kubelet's webhook authorizes.
    `--kubelet-client-certificate=${pki.adminCert}`,
    `--kubelet-client-key=${pki.adminKey}`,
  ]);
  await waitUntil('kube-apiserver /readyz', TIMEOUT_MS, apiServer, async () => {
    if ((await kubeRequest(SERVER_URL, admin, 'GET', '/readyz')).status !== 200) return false;
    return (await kubeRequest(SERVER_URL, admin, 'GET', '/api/v1/namespaces/default')).status === 200;
  });
  const common = (c: Component): string[] => [
    `--kubeconfig=${kubeconfigOf(c)}`,
    `--authentication-kubeconfig=${kubeconfigOf(c)}`,
    `--authorization-kubeconfig=${kubeconfigOf(c)}`,
    `--bind-address=${NODE_IP}`,
    '--leader-elect=false',
  ];
  await s.start('kube-controller-manager', [
    ...common('kube-controller-manager'),
    '--allocate-node-cidrs',
    `--cluster-cidr=${CLUSTER_CIDR}`,
    '--node-cidr-mask-size=24',
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--use-service-account-credentials',
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    `--root-ca-file=${pki.caCert}`,
    `--cluster-signing-cert-file=${pki.caCert}`,
    `--cluster-signing-key-file=${pki.caKey}`,
  ]);
  await s.start('kube-scheduler', common('kube-scheduler'));
}

/** containerd with the harness's own config, root, state and socket; resolves once it answers. */
export async function startContainerd(s: Starter): Promise<void> {
  const proc = await s.start('containerd', ['--config', configFiles.containerd]);
  await waitUntil('containerd', TIMEOUT_MS, proc, async () => {
    await sh('ctr', ['--address', paths.containerdSocket, 'version']);
    return true;
  });
}

/** kubelet and kube-proxy; returns the kubelet, whose exit ends the waits for the node. */
export async function startNode(s: Starter): Promise<ServerProcess> {
  const kubelet = await s.start('kubelet', [
    `--config=${configFiles.kubelet}`,
    `--kubeconfig=${kubeconfigOf('kubelet')}`,
    `--root-dir=${paths.kubelet}`,
    `--cert-dir=${join(paths.kubelet, 'pki')}`,
    `--hostname-override=${NODE_NAME}`,
    `--node-ip=${NODE_IP}`,
  ]);
  await s.start('kube-proxy', [`--config=${configFiles.kubeProxy}`]);
  return kubelet;
}

/** `ctr` against the harness's containerd, in the namespace the kubelet uses. */
export function ctr(args: string[]): Promise<string> {
  return sh('ctr', ['--address', paths.containerdSocket, '--namespace', 'k8s.io', ...args]);
}

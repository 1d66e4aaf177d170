// `npm run k8s:cluster -- up|down`: a real single-node Kubernetes cluster on
// this machine (see README.md in this folder).
//   up     starts it detached, waits for the node and CoreDNS, prints KUBECONFIG=<path>
//   down   stops every process it started and puts the host back
//   status the memory it takes (processes and pods), and the KUBECONFIG line
import { readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveBinary, type BinaryName } from '../binaries.ts';
import { waitUntil } from '../envtest.ts';
import { isRunning } from '../processes.ts';
import { applyAddons, corednsReady, importImages, imagesDir, nodeReady } from './addons.ts';
import { kubeconfigOf, makePki, Starter, startContainerd, startControlPlane, startNode } from './components.ts';
import { writeNodeConfigs } from './configs.ts';
import { recordHost, setUpNetwork } from './host.ts';
import { CLUSTER_DIR, paths, POD_CGROUP } from './layout.ts';
import { phase, readState, saveState, type ClusterState } from './state.ts';
import { shimPids, teardown } from './teardown.ts';

const BINARIES: BinaryName[] = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubelet',
  'kube-proxy',
  'kubectl',
  'crictl',
];
const READY_TIMEOUT_MS = 180_000;

async function up(): Promise<void> {
  const previous = await readState();
  if (previous?.complete && previous.processes.every((p) => isRunning(p.pid, p.binary))) {
    console.log(`KUBECONFIG=${previous.kubeconfig}`);
    return;
  }
  if (previous) {
    console.log('a cluster from an earlier `up` is half there: taking it down first');
    await teardown(previous);
  }
  checkPrerequisites();
  const started = Date.now();
  for (const dir of [
    paths.certs,
    paths.config,
    paths.logs,
    paths.etcd,
    paths.containerd,
    paths.kubelet,
    paths.podLogs,
    paths.volumes,
  ])
    await mkdir(dir, { recursive: true });
  const state: ClusterState = {
    kubeconfig: paths.kubeconfig,
    complete: false,
    host: await recordHost(),
    processes: [],
  };
  await saveState(state);
  const starter = new Starter(async (p) => {
    state.processes.push(p);
    await saveState(state);
  });
  try {
    await phase('network (bridge, forwarding, uplink closed)', () => setUpNetwork(state.host));
    const { pki, admin } = await phase('certificates and kubeconfigs', makePki);
    await writeNodeConfigs(pki.caCert, kubeconfigOf('kube-proxy'));
    await Promise.all([
      phase('control plane (etcd, apiserver, controller-manager, scheduler)', () =>
        startControlPlane(starter, pki, admin),
      ),
      phase('containerd and images imported', async () => {
        await startContainerd(starter);
        const archives = await importImages();
        console.log(`    ${archives.length} image archive(s) from ${imagesDir()}`);
      }),
    ]);
    const kubelet = await phase('kubelet and kube-proxy started', () => startNode(starter));
    await phase('node Ready', () => waitUntil('node Ready', READY_TIMEOUT_MS, kubelet, () => nodeReady(admin)));
    await phase('storage and CoreDNS applied', applyAddons);
    await phase('CoreDNS Ready', () =>
      waitUntil('CoreDNS Ready', READY_TIMEOUT_MS, kubelet, () => corednsReady(admin)),
    );
    state.complete = true;
    await saveState(state);
  } catch (err) {
    console.error(`up failed: ${(err as Error).message}\nlogs in ${paths.logs}; taking down what was started`);
    if (!process.env['VILICUS_CLUSTER_KEEP_ON_FAILURE']) await teardown(state);
    process.exitCode = 1;
    return;
  }
  console.log(
    `cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s (${CLUSTER_DIR}; stop: npm run k8s:cluster -- down)`,
  );
  console.log(`KUBECONFIG=${paths.kubeconfig}`);
}

async function down(): Promise<void> {
  const state = await readState();
  if (!state) {
    console.log(`nothing to stop (no state in ${CLUSTER_DIR})`);
    return;
  }
  const started = Date.now();
  await teardown(state);
  console.log(`cluster down in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** The memory the cluster takes: RSS of each process it started, and of the pods (their cgroup's rss). */
async function status(): Promise<void> {
  const state = await readState();
  if (!state?.complete) {
    console.log(`no cluster running (no finished \`up\` in ${CLUSTER_DIR})`);
    process.exitCode = 1;
    return;
  }
  const mib = (kib: number): string => `${(kib / 1024).toFixed(0)} MiB`;
  let total = 0;
  for (const p of state.processes) {
    const rss = rssKib(p.pid);
    total += rss;
    console.log(`  ${p.name.padEnd(24)} pid ${String(p.pid).padEnd(8)} ${mib(rss)}`);
  }
  const shims = shimPids().reduce((sum, pid) => sum + rssKib(pid), 0);
  console.log(`  containerd shims (${shimPids().length})`.padEnd(43) + mib(shims));
  console.log(`  control plane + node processes: ${mib(total + shims)}`);
  const stat = await readFile(join('/sys/fs/cgroup/memory', POD_CGROUP, 'memory.stat'), 'utf8').catch(() => '');
  const rss = Number(/^total_rss (\d+)$/m.exec(stat)?.[1] ?? 0);
  console.log(`  pods (cgroup ${POD_CGROUP} total_rss): ${mib(rss / 1024)}`);
  console.log(`KUBECONFIG=${state.kubeconfig}`);
}

function rssKib(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Everything `up` needs, checked before the host is touched. */
function checkPrerequisites(): void {
  for (const name of BINARIES) resolveBinary(name);
  if (process.getuid?.() !== 0) throw new Error('the cluster needs root (bridges, iptables, mounts, cgroups)');
}

const commands: Record<string, () => Promise<void>> = { up, down, status };
const command = commands[process.argv[2] ?? ''];
if (!command) {
  console.error('usage: npm run k8s:cluster -- up|down|status');
  process.exitCode = 2;
} else {
  await command();
}

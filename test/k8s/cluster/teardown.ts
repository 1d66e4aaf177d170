// `down`: stops what `up` started and puts the host back, in the order that
// lets each part clean up after itself (pods through the CRI while containerd
// still runs; kube-proxy's rules through its own --cleanup).
import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveBinary } from '../binaries.ts';
import { isRunning, stopPid } from '../processes.ts';
import type { StartedProcess } from './components.ts';
import { attempt, removeCreatedPaths, removeLinks, removePodCgroups, restoreNetwork, sh, unmountAll } from './host.ts';
import { CLUSTER_DIR, NODE_BRIDGE, POD_BRIDGE, POD_CGROUP, paths } from './layout.ts';
import { phase, type ClusterState } from './state.ts';

export async function teardown(state: ClusterState): Promise<void> {
  const proc = (name: string): StartedProcess | undefined => state.processes.find((p) => p.name === name);
  const stop = async (name: string): Promise<void> => {
    const p = proc(name);
    if (p) await attempt(`stop ${name}`, () => stopPid(p.pid, p.binary));
  };
  await phase('kubelet stopped', () => stop('kubelet'));
  const containerd = proc('containerd');
  if (containerd && isRunning(containerd.pid, containerd.binary))
    await phase('pods removed (crictl rmp)', () => attempt('crictl rmp', () => removePods()));
  await phase('containerd stopped', async () => {
    await stop('containerd');
    killShims();
    if (!state.host.podCgroupExisted) killPodProcesses();
  });
  await phase('kube-proxy stopped, its rules cleaned', async () => {
    await stop('kube-proxy');
    const p = proc('kube-proxy');
    if (p) await attempt('kube-proxy --cleanup', () => sh(p.binary, ['--cleanup']));
  });
  await phase('control plane stopped', async () => {
    for (const name of ['kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd']) await stop(name);
  });
  await phase('host put back', async () => {
    await unmountAll([CLUSTER_DIR]);
    await removeCreatedPaths(state.host);
    await removeLinks([POD_BRIDGE, NODE_BRIDGE]);
    await restoreNetwork(state.host);
    removePodCgroups(state.host);
    await rm(CLUSTER_DIR, { recursive: true, force: true });
  });
}

async function removePods(): Promise<void> {
  const crictl = resolveBinary('crictl');
  const endpoint = `unix://${paths.containerdSocket}`;
  await sh(crictl, [
    '--runtime-endpoint',
    endpoint,
    '--image-endpoint',
    endpoint,
    '--timeout',
    '60s',
    'rmp',
    '-a',
    '-f',
  ]);
}

/** Shims of our containerd (they are reparented to init when it stops): known by its socket in their command line. */
export function shimPids(): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    let cmdline: string[];
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (cmdline[0]?.includes('containerd-shim') && cmdline.includes(paths.containerdSocket)) pids.push(Number(pid));
  }
  return pids;
}

function killShims(): void {
  for (const pid of shimPids()) kill(pid);
}

/** Whatever still runs in the pods' cgroups (a pod the CRI could not stop) keeps them from being removed. */
function killPodProcesses(): void {
  const walk = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    if (entries.includes('cgroup.procs'))
      for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) kill(Number(pid));
    for (const e of entries) if (!e.includes('.')) walk(join(dir, e));
  };
  walk(join('/sys/fs/cgroup/pids', POD_CGROUP));
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

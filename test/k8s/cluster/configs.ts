// The node's configuration files: containerd (its own root, state and
// socket, not the machine's), the CNI network, kubelet and kube-proxy.
// Each setting that differs from upstream's default says why.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CLUSTER_CIDR, DNS_IP, NODE_IP, NODE_NAME, NODE_POD_CIDR, POD_BRIDGE, paths } from './layout.ts';

export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10.2';

export const configFiles = {
  containerd: join(paths.config, 'containerd.toml'),
  kubelet: join(paths.config, 'kubelet.yaml'),
  kubeProxy: join(paths.config, 'kube-proxy.yaml'),
  resolvConf: join(paths.config, 'resolv.conf'),
  cni: join(paths.cniConf, '10-vilicus.conflist'),
};

function containerdToml(): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${join(paths.containerd, 'root')}"
state = "${join(paths.containerd, 'state')}"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "${paths.containerdSocket}"

[ttrpc]
  address = "${paths.containerdSocket}.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[${cri}]
  # No registry: the pause image is imported with the others.
  sandbox_image = "${PAUSE_IMAGE}"
  # No CAP_SYS_RESOURCE here: lowering a container's oom_score_adj below ours fails.
  restrict_oom_score_adj = true
  # CoreDNS binds :53 without a capability.
  enable_unprivileged_ports = true

[${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[${cri}.containerd.runtimes.runc.options]
  # cgroup v1 with the cgroupfs driver: there is no systemd.
  SystemdCgroup = false

[${cri}.cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "${paths.cniConf}"

[plugins."io.containerd.internal.v1.opt"]
  path = "${join(paths.containerd, 'opt')}"
`;
}

function cniConflist(): unknown {
  return {
    cniVersion: '1.0.0',
    name: 'vilicus',
    plugins: [
      {
        type: 'bridge',
        bridge: POD_BRIDGE,
        isGateway: true,
        hairpinMode: true,
        // No NAT to the outside: nothing leaves the pod network but to the host.
        ipMasq: false,
        ipam: {
          type: 'host-local',
          dataDir: paths.cniIpam,
          ranges: [[{ subnet: NODE_POD_CIDR }]],
          routes: [{ dst: '0.0.0.0/0' }],
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
      { type: 'loopback' },
    ],
  };
}

function kubeletConfig(caFile: string): unknown {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    containerRuntimeEndpoint: `unix://${paths.containerdSocket}`,
    // cgroup v1, no systemd (the kubelet warns that v1 is deprecated).
    cgroupDriver: 'cgroupfs',
    failCgroupV1: false,
    // No CAP_SYS_RESOURCE: the kubelet must not lower its own oom_score_adj.
    oomScoreAdj: 0,
    address: NODE_IP,
    healthzBindAddress: NODE_IP,
    readOnlyPort: 0,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: caFile } },
    authorization: { mode: 'Webhook' },
    clusterDNS: [DNS_IP],
    clusterDomain: 'cluster.local',
    resolvConf: configFiles.resolvConf,
    podLogsDir: paths.podLogs,
    failSwapOn: false,
    // A shared, busy disk: no eviction or image GC for disk use (images cannot be pulled back).
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    serializeImagePulls: false,
  };
}

function kubeProxyConfig(kubeconfig: string): unknown {
  return {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'iptables',
    clientConnection: { kubeconfig },
    hostnameOverride: NODE_NAME,
    bindAddress: NODE_IP,
    healthzBindAddress: `${NODE_IP}:10256`,
    metricsBindAddress: `${NODE_IP}:10249`,
    clusterCIDR: CLUSTER_CIDR,
    // NodePorts only on the node's own address, never on the uplink.
    nodePortAddresses: [`${NODE_IP}/32`],
    // Leave the host's conntrack sysctls alone.
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
  };
}

export async function writeNodeConfigs(caFile: string, kubeProxyKubeconfig: string): Promise<void> {
  await mkdir(paths.config, { recursive: true });
  await mkdir(paths.cniConf, { recursive: true });
  await writeFile(configFiles.containerd, containerdToml());
  await writeFile(configFiles.cni, JSON.stringify(cniConflist(), null, 2) + '\n');
  await writeFile(configFiles.kubelet, stringify(kubeletConfig(caFile)));
  await writeFile(configFiles.kubeProxy, stringify(kubeProxyConfig(kubeProxyKubeconfig)));
  // Pods with dnsPolicy Default (CoreDNS itself) get this; nothing outside is resolvable.
  await writeFile(configFiles.resolvConf, `nameserver ${DNS_IP}\n`);
}

// Where the single-node cluster lives: its addresses, names and folders.
// One cluster per machine (it owns fixed addresses on a bridge it makes).
import { join } from 'node:path';

export const NODE_NAME = 'vilicus-node';
/** The empty bridge that holds the node's address (the kernel has no `dummy` link type here). */
export const NODE_BRIDGE = 'vilicus0';
export const NODE_IP = '10.200.0.1';
/** The bridge the CNI bridge plugin makes for the pods, with its gateway address. */
export const POD_BRIDGE = 'vilicus-cni0';
export const CLUSTER_CIDR = '10.244.0.0/16';
export const NODE_POD_CIDR = '10.244.0.0/24';
export const SERVICE_CIDR = '10.96.0.0/12';
/** The first address of SERVICE_CIDR: the `kubernetes` Service. */
export const API_SERVICE_IP = '10.96.0.1';
export const DNS_IP = '10.96.0.10';
export const API_PORT = 6443;
export const SERVER_URL = `https://${NODE_IP}:${API_PORT}`;
/** The folder kubelet's cgroupfs driver makes in every v1 hierarchy (cgroupRoot "/"). */
export const POD_CGROUP = 'kubepods';

/** Everything of a running cluster: certificates, data, logs, configs, state. */
export const CLUSTER_DIR = process.env['VILICUS_CLUSTER_DIR'] || '/tmp/vilicus-cluster';
export const STATE_FILE = join(CLUSTER_DIR, 'state.json');

export const paths = {
  certs: join(CLUSTER_DIR, 'certs'),
  kubeconfig: join(CLUSTER_DIR, 'kubeconfig'),
  logs: join(CLUSTER_DIR, 'logs'),
  etcd: join(CLUSTER_DIR, 'etcd'),
  containerd: join(CLUSTER_DIR, 'containerd'),
  containerdSocket: join(CLUSTER_DIR, 'containerd', 'containerd.sock'),
  cniConf: join(CLUSTER_DIR, 'cni', 'net.d'),
  cniIpam: join(CLUSTER_DIR, 'cni', 'ipam'),
  kubelet: join(CLUSTER_DIR, 'kubelet'),
  podLogs: join(CLUSTER_DIR, 'pod-logs'),
  volumes: join(CLUSTER_DIR, 'volumes'),
  config: join(CLUSTER_DIR, 'config'),
};

/**
 * Host folders that kubelet, containerd and the CNI plugins use whatever
 * they are told (hard-coded upstream): removed on `down` when `up` made them.
 */
export const HOST_PATHS_USED = [
  '/var/lib/kubelet', // the device-plugin socket folder
  '/var/log/containers', // kubelet's symlinks to the pods' logs
  '/var/lib/cni', // libcni's result cache
  '/run/containerd', // shim sockets (/run/containerd/s)
  '/run/netns', // the pods' network namespaces
];

/**
 * Sysctls the cluster's parts may write (ip_forward by us and the bridge
 * plugin; the kubelet's kernel tunables; kube-proxy's conntrack and
 * route_localnet): read before `up`, put back on `down`.
 */
export const SYSCTLS = [
  'net/ipv4/ip_forward',
  'net/ipv4/conf/all/route_localnet',
  'net/bridge/bridge-nf-call-iptables',
  'net/netfilter/nf_conntrack_max',
  'net/netfilter/nf_conntrack_tcp_timeout_established',
  'net/netfilter/nf_conntrack_tcp_timeout_close_wait',
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
];

/** The comment on the iptables rules `up` adds, so `down` deletes exactly those. */
export const RULE_COMMENT = 'vilicus-cluster';

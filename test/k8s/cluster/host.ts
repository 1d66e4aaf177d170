// What the cluster changes on the host, and how `down` puts it back: the
// node's bridge and Service route, forwarding (with the uplink closed to it),
// sysctls, iptables chains, mounts, cgroups and the host folders the parts
// insist on. Each `record…` runs before the change; each `restore…` undoes it.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HOST_PATHS_USED, NODE_BRIDGE, NODE_IP, POD_CGROUP, RULE_COMMENT, SERVICE_CIDR, SYSCTLS } from './layout.ts';

const exec = promisify(execFile);

/** Runs a host command; rejects with its stderr. */
export async function sh(command: string, args: string[]): Promise<string> {
  try {
    return (await exec(command, args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`${command} ${args.join(' ')}: ${stderr.trim() || String(err)}`, { cause: err });
  }
}

/** For teardown: a failure is reported and the next step still runs. */
export async function attempt(what: string, step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (err) {
    console.error(`down: ${what}: ${(err as Error).message}`);
  }
}

export interface HostRecord {
  /** The interface of the default route: no forwarded packet may cross it. */
  uplink: string;
  /** Old values of SYSCTLS (those that exist here). */
  sysctls: Record<string, string>;
  /** `iptables|ip6tables <table>` → the chains that existed before. */
  chains: Record<string, string[]>;
  /** HOST_PATHS_USED that did not exist before. */
  createdPaths: string[];
  /** Whether the pods' cgroup folder existed before (then it is not ours to remove). */
  podCgroupExisted: boolean;
}

const TABLES = ['filter', 'nat', 'mangle', 'raw'];
const IPTABLES = ['iptables', 'ip6tables'];

export async function recordHost(): Promise<HostRecord> {
  const route = await sh('ip', ['-o', 'route', 'show', 'default']);
  const uplink = /\bdev (\S+)/.exec(route)?.[1];
  if (!uplink) throw new Error(`no default route to find the uplink in: ${route || '(empty)'}`);
  const sysctls: Record<string, string> = {};
  for (const key of SYSCTLS) {
    const file = `/proc/sys/${key}`;
    if (existsSync(file)) sysctls[key] = readFileSync(file, 'utf8').trim();
  }
  const chains: Record<string, string[]> = {};
  for (const cmd of IPTABLES) for (const table of TABLES) chains[`${cmd} ${table}`] = await listChains(cmd, table);
  return {
    uplink,
    sysctls,
    chains,
    createdPaths: HOST_PATHS_USED.filter((p) => !existsSync(p)),
    podCgroupExisted: existsSync(join('/sys/fs/cgroup/memory', POD_CGROUP)),
  };
}

/** The node's address on an empty bridge, a route for Service IPs through it, forwarding on, uplink closed. */
export async function setUpNetwork(record: HostRecord): Promise<void> {
  await sh('ip', ['link', 'add', NODE_BRIDGE, 'type', 'bridge']);
  await sh('ip', ['addr', 'add', `${NODE_IP}/24`, 'dev', NODE_BRIDGE]);
  await sh('ip', ['link', 'set', NODE_BRIDGE, 'up']);
  // A Service IP that kube-proxy does not (yet) translate must not leave by the uplink.
  await sh('ip', ['route', 'add', SERVICE_CIDR, 'dev', NODE_BRIDGE, 'src', NODE_IP]);
  // Rules first, forwarding second: not one packet is forwarded to or from outside.
  for (const dir of ['-i', '-o']) await sh('iptables', ['-t', 'mangle', '-I', 'FORWARD', ...uplinkRule(dir, record)]);
  writeFileSync('/proc/sys/net/ipv4/ip_forward', '1\n');
}

function uplinkRule(dir: string, record: HostRecord): string[] {
  return [dir, record.uplink, '-m', 'comment', '--comment', RULE_COMMENT, '-j', 'DROP'];
}

export async function restoreNetwork(record: HostRecord): Promise<void> {
  await attempt('sysctls', async () => {
    for (const [key, value] of Object.entries(record.sysctls)) {
      const file = `/proc/sys/${key}`;
      if (existsSync(file) && readFileSync(file, 'utf8').trim() !== value) writeFileSync(file, `${value}\n`);
    }
  });
  // Forwarding is off again before the uplink rules go.
  for (const dir of ['-i', '-o'])
    await attempt(`mangle FORWARD ${dir} ${record.uplink}`, async () => {
      while (await hasRule('iptables', 'mangle', ['FORWARD', ...uplinkRule(dir, record)]))
        await sh('iptables', ['-t', 'mangle', '-D', 'FORWARD', ...uplinkRule(dir, record)]);
    });
  await attempt('new iptables chains', () => removeNewChains(record));
}

/** Link names for teardown: the bridges and the pods' veths that are left. */
export async function removeLinks(names: string[]): Promise<void> {
  for (const name of names)
    if (existsSync(`/sys/class/net/${name}`))
      await attempt(`ip link del ${name}`, () => sh('ip', ['link', 'del', name]));
}

async function hasRule(cmd: string, table: string, rule: string[]): Promise<boolean> {
  return exec(cmd, ['-t', table, '-C', ...rule]).then(
    () => true,
    () => false,
  );
}

async function listChains(cmd: string, table: string): Promise<string[]> {
  const out = await sh(cmd, ['-t', table, '-S']).catch(() => '');
  return out
    .split('\n')
    .filter((l) => l.startsWith('-N '))
    .map((l) => l.slice(3).trim());
}

/**
 * Chains that appeared since `up` and belong to the cluster (KUBE-* from
 * kube-proxy and kubelet, CNI-* from portmap): jumps to them are deleted, then
 * they are flushed and deleted. `kube-proxy --cleanup` leaves KUBE-FIREWALL.
 */
async function removeNewChains(record: HostRecord): Promise<void> {
  for (const cmd of IPTABLES)
    for (const table of TABLES) {
      const before = new Set(record.chains[`${cmd} ${table}`] ?? []);
      const ours = (await listChains(cmd, table)).filter((c) => !before.has(c) && /^(KUBE|CNI)-/.test(c));
      if (ours.length > 0) await removeChains(cmd, table, ours);
    }
}

async function removeChains(cmd: string, table: string, chains: string[]): Promise<void> {
  for (const rule of (await sh(cmd, ['-t', table, '-S'])).split('\n')) {
    const [verb, chain] = rule.split(' ');
    const jump = /-j (\S+)/.exec(rule)?.[1];
    // Jumps from chains that stay; a rule inside a chain that goes goes with it.
    if (verb === '-A' && jump && chains.includes(jump) && !chains.includes(chain!))
      await sh(cmd, ['-t', table, '-D', ...splitRule(rule.slice(3))]);
  }
  for (const chain of chains) await sh(cmd, ['-t', table, '-F', chain]);
  for (const chain of chains) await sh(cmd, ['-t', table, '-X', chain]);
}

/** `iptables -S` quotes comments with spaces; split as the shell would. */
function splitRule(rule: string): string[] {
  return [...rule.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** Mount points under `prefixes`, deepest first (the kubelet's root dir is bind-mounted onto itself). */
export function mountsUnder(prefixes: string[]): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => prefixes.some((prefix) => p === prefix || p.startsWith(`${prefix}/`)));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

export async function unmountAll(prefixes: string[]): Promise<void> {
  // A mount can be stacked several times on one point: unmount until none is left.
  for (let round = 0; round < 5; round++) {
    const points = mountsUnder(prefixes);
    if (points.length === 0) return;
    for (const point of points) await attempt(`umount ${point}`, () => sh('umount', [point]));
  }
  for (const point of mountsUnder(prefixes)) await attempt(`umount -l ${point}`, () => sh('umount', ['-l', point]));
}

/** The pods' cgroups in every v1 hierarchy, children first. */
export function removePodCgroups(record: HostRecord): void {
  if (record.podCgroupExisted) return;
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    const root = join('/sys/fs/cgroup', hierarchy, POD_CGROUP);
    if (existsSync(root)) removeCgroupTree(root);
  }
}

function removeCgroupTree(dir: string): void {
  for (const entry of readdirSync(dir)) {
    const child = join(dir, entry);
    if (statSync(child).isDirectory()) removeCgroupTree(child);
  }
  try {
    rmdirSync(dir);
  } catch (err) {
    console.error(`down: rmdir ${dir}: ${(err as Error).message}`);
  }
}

export async function removeCreatedPaths(record: HostRecord): Promise<void> {
  await unmountAll(record.createdPaths);
  for (const path of record.createdPaths) await attempt(`rm ${path}`, () => rm(path, { recursive: true, force: true }));
}

// What makes the bare node a cluster a chart installs on unchanged: the
// images (no registry here), storage for PersistentVolumeClaims, CoreDNS.
import { chmod, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { toolsDir } from '../binaries.ts';
import type { AdminCredentials } from '../certs.ts';
import { kubeRequest } from '../kube-request.ts';
import { run } from '../run.ts';
import { resolveBinary } from '../binaries.ts';
import { ctr } from './components.ts';
import { PAUSE_IMAGE } from './configs.ts';
import { NODE_NAME, SERVER_URL, paths } from './layout.ts';

const COREDNS = fileURLToPath(new URL('./coredns.yaml', import.meta.url));
const appVersion = (
  JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** The images `npm run images` saves, under the names the chart and the node ask for. */
export const REQUIRED_IMAGES = [
  PAUSE_IMAGE,
  'registry.k8s.io/coredns/coredns:v1.14.6',
  'docker.io/library/postgres:17.6',
  `docker.io/vilicus/server:${appVersion}`,
  `docker.io/vilicus/agent:${appVersion}`,
];

export const imagesDir = (): string => process.env['VILICUS_IMAGES_DIR'] || join(toolsDir(), 'images');

/**
 * The archives to import: those `npm run images` lists in the folder's
 * `*.list` files (image, size, archive per line), else every `*.tar` there.
 */
async function archives(dir: string): Promise<string[]> {
  const files = await readdir(dir).catch(() => [] as string[]);
  const lists = files.filter((f) => f.endsWith('.list')).sort();
  if (lists.length === 0)
    return files
      .filter((f) => f.endsWith('.tar'))
      .sort()
      .map((f) => join(dir, f));
  const listed: string[] = [];
  for (const list of lists)
    for (const line of (await readFile(join(dir, list), 'utf8')).split('\n'))
      if (line.trim()) listed.push(line.split('\t')[2]!);
  return listed;
}

/** Imports the saved images into containerd's k8s.io namespace and checks that every required one is there. */
export async function importImages(): Promise<string[]> {
  const dir = imagesDir();
  const found = await archives(dir);
  for (const archive of found) await ctr(['images', 'import', archive]);
  const present = new Set((await ctr(['images', 'ls', '-q'])).split('\n').filter(Boolean));
  const missing = REQUIRED_IMAGES.filter((ref) => !present.has(ref));
  if (missing.length > 0)
    throw new Error(
      `images missing after importing ${found.length} archive(s) from ${dir}: ${missing.join(', ')} ` +
        '(run `npm run images` first; it saves them there)',
    );
  return found;
}

/** How many pre-made volumes: two releases with their bundled PostgreSQL, and room to reinstall. */
const VOLUMES = 6;

/**
 * A default StorageClass and hostPath PersistentVolumes for it (no dynamic
 * provisioner): the chart's PostgreSQL asks for one ReadWriteOnce claim of
 * `postgresql.persistence.size` (8Gi) from the default class. The folders are
 * 0777 because a hostPath volume is not chowned to the pod's fsGroup.
 */
function storageObjects(): unknown[] {
  const objects: unknown[] = [
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'local', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'kubernetes.io/no-provisioner',
      volumeBindingMode: 'Immediate',
      reclaimPolicy: 'Retain',
    },
  ];
  for (let i = 0; i < VOLUMES; i++)
    objects.push({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: `local-${i}` },
      spec: {
        storageClassName: 'local',
        capacity: { storage: '10Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        hostPath: { path: join(paths.volumes, `local-${i}`), type: 'Directory' },
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [NODE_NAME] }] },
            ],
          },
        },
      },
    });
  return objects;
}

export async function applyAddons(): Promise<void> {
  for (let i = 0; i < VOLUMES; i++) {
    const dir = join(paths.volumes, `local-${i}`);
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o777);
  }
  const kubectl = resolveBinary('kubectl');
  const manifest = storageObjects()
    .map((o) => stringify(o))
    .join('---\n');
  await run(kubectl, ['--kubeconfig', paths.kubeconfig, 'apply', '-f', '-'], manifest);
  await run(kubectl, ['--kubeconfig', paths.kubeconfig, 'apply', '-f', COREDNS]);
}

interface Condition {
  type: string;
  status: string;
}

/** True once the node reports Ready. */
export async function nodeReady(admin: AdminCredentials): Promise<boolean> {
  const res = await kubeRequest(SERVER_URL, admin, 'GET', `/api/v1/nodes/${NODE_NAME}`);
  if (res.status !== 200) return false;
  const node = JSON.parse(res.text) as { status?: { conditions?: Condition[] } };
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** True once CoreDNS has a Ready replica. */
export async function corednsReady(admin: AdminCredentials): Promise<boolean> {
  const res = await kubeRequest(SERVER_URL, admin, 'GET', '/apis/apps/v1/namespaces/kube-system/deployments/coredns');
  if (res.status !== 200) return false;
  return ((JSON.parse(res.text) as { status?: { readyReplicas?: number } }).status?.readyReplicas ?? 0) >= 1;
}

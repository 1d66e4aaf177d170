// Installs the repository's CustomResourceDefinitions and waits until the
// API server serves each one (condition Established).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';
import type { AdminCredentials } from './certs.ts';
import { kubeRequest } from './kube-request.ts';

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

interface Crd {
  kind?: string;
  metadata?: { name?: string };
  status?: { conditions?: { type: string; status: string }[] };
}

/** Reads every YAML document under `dir` (none when it does not exist). */
export async function readCrds(dir: string): Promise<Crd[]> {
  const files = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  const crds: Crd[] = [];
  for (const file of files.filter((f) => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
      const crd = doc.toJS() as Crd | null;
      if (crd === null) continue;
      if (crd.kind !== 'CustomResourceDefinition' || !crd.metadata?.name) {
        throw new Error(`${file}: expected CustomResourceDefinitions only, found kind ${crd.kind}`);
      }
      crds.push(crd);
    }
  }
  return crds;
}

export async function installCrds(
  server: string,
  credentials: AdminCredentials,
  crds: Crd[],
  timeoutMs: number,
): Promise<void> {
  for (const crd of crds) {
    const res = await kubeRequest(server, credentials, 'POST', CRD_PATH, crd);
    if (res.status !== 201) throw new Error(`creating CRD ${crd.metadata!.name}: HTTP ${res.status} ${res.text}`);
  }
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    const name = crd.metadata!.name!;
    while (!(await isEstablished(server, credentials, name))) {
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established after ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}

async function isEstablished(server: string, credentials: AdminCredentials, name: string): Promise<boolean> {
  const res = await kubeRequest(server, credentials, 'GET', `${CRD_PATH}/${name}`);
  if (res.status !== 200) return false;
  const crd = JSON.parse(res.text) as Crd;
  return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
}

// Where the Kubernetes test binaries live: a cache outside the repository
// filled by build-binaries.sh (`npm run k8s:build`), one folder per name and
// version, or an explicit path per binary from the environment.
import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type BinaryName =
  | 'kube-apiserver'
  | 'etcd'
  | 'helm'
  | 'kubectl'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kubelet'
  | 'kube-proxy'
  | 'crictl';

interface Versions {
  kubernetes: string;
  etcd: string;
  helm: string;
  crictl: string;
}

export const versions: Versions = JSON.parse(
  readFileSync(new URL('./versions.json', import.meta.url), 'utf8'),
) as Versions;

const VERSION_OF: Record<BinaryName, string> = {
  'kube-apiserver': versions.kubernetes,
  kubectl: versions.kubernetes,
  etcd: versions.etcd,
  helm: versions.helm,
  'kube-controller-manager': versions.kubernetes,
  'kube-scheduler': versions.kubernetes,
  kubelet: versions.kubernetes,
  'kube-proxy': versions.kubernetes,
  crictl: versions.crictl,
};

const ENV_OF: Record<BinaryName, string> = {
  'kube-apiserver': 'KUBE_APISERVER_BIN',
  kubectl: 'KUBECTL_BIN',
  etcd: 'ETCD_BIN',
  helm: 'HELM_BIN',
  'kube-controller-manager': 'KUBE_CONTROLLER_MANAGER_BIN',
  'kube-scheduler': 'KUBE_SCHEDULER_BIN',
  kubelet: 'KUBELET_BIN',
  'kube-proxy': 'KUBE_PROXY_BIN',
  crictl: 'CRICTL_BIN',
};

/** The same rule as build-binaries.sh (an empty variable counts as unset, as in `${X:-…}`). */
export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['VILICUS_TOOLS_DIR'] || join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'vilicus', 'tools');
}

/**
 * The path of an executable binary, or an error that says how to get it:
 * the tests must fail, not skip, when the binaries were never built.
 */
export function resolveBinary(name: BinaryName, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[ENV_OF[name]];
  const path = fromEnv || join(toolsDir(env), `${name}-${VERSION_OF[name]}`, name);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    const where = fromEnv ? `${ENV_OF[name]}=${fromEnv}` : path;
    throw new Error(
      `${name} ${VERSION_OF[name]} not found or not executable at ${where}: ` +
        `run \`npm run k8s:build\` (builds it from the Go module proxy into ${toolsDir(env)}), ` +
        `or set ${ENV_OF[name]} to the path of one`,
    );
  }
  return path;
}

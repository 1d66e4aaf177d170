// Whether the server runs in Kubernetes mode, decided from its settings alone,
// before anything of the Kubernetes client is loaded (mode.ts).
import type { KubeSettings } from './client.ts';

/** True when there is a cluster to use and the mode is not off; `on` without a cluster is a start-up error. */
export function kubernetesWanted(settings: Pick<KubeSettings, 'kubernetes' | 'kubeconfig' | 'inCluster'>): boolean {
  if (settings.kubernetes === 'off') return false;
  const found = settings.inCluster || settings.kubeconfig !== undefined;
  if (!found && settings.kubernetes === 'on') {
    throw new Error('VILICUS_KUBERNETES=on, but there is no in-cluster config and no KUBECONFIG');
  }
  return found;
}

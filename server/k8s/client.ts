// The Kubernetes edge: where the API server is, and whether to use it.
import { KubeConfig } from '@kubernetes/client-node';
import type { ServerConfig } from '../config.ts';

export type KubeSettings = Pick<
  ServerConfig,
  | 'kubernetes'
  | 'kubeconfig'
  | 'inCluster'
  | 'namespaces'
  | 'podName'
  | 'podNamespace'
  | 'leaseName'
  | 'agentServiceAccount'
  | 'resyncMs'
>;

/** The cluster to talk to, or null when Kubernetes mode is off. `on` without a cluster is a start-up error. */
export function loadKubeConfig(settings: KubeSettings): KubeConfig | null {
  if (settings.kubernetes === 'off') return null;
  const found = settings.inCluster || settings.kubeconfig !== undefined;
  if (!found) {
    if (settings.kubernetes === 'on') {
      throw new Error('VILICUS_KUBERNETES=on, but there is no in-cluster config and no KUBECONFIG');
    }
    return null;
  }
  const kc = new KubeConfig();
  if (settings.inCluster) kc.loadFromCluster();
  else kc.loadFromFile(settings.kubeconfig!);
  return kc;
}

/** `NAME` (in the pod namespace) or `NAMESPACE:NAME` → the username TokenReview reports for it. */
export function serviceAccountUser(settings: Pick<KubeSettings, 'agentServiceAccount' | 'podNamespace'>): string {
  const [ns, name] = settings.agentServiceAccount.includes(':')
    ? settings.agentServiceAccount.split(':', 2)
    : [settings.podNamespace, settings.agentServiceAccount];
  return `system:serviceaccount:${ns}:${name}`;
}

export const GROUP = 'vilicus.dev';
export const VERSION = 'v1alpha1';
export const PLURAL = 'checks';

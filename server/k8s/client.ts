// The Kubernetes edge: where the API server is, and whether to use it.
import { KubeConfig } from '@kubernetes/client-node';
import type { ServerConfig } from '../config.ts';
import { kubernetesWanted } from './wanted.ts';

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
  if (!kubernetesWanted(settings)) return null;
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

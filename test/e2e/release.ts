// A release of the chart as the end-to-end tests install it: the chart's
// defaults, except that no image is pulled (the cluster has no registry; the
// images were imported into its containerd) and mail goes to the test's SMTP
// server, whose URL is in the Secret `e2e-smtp` of the release's namespace.
import { stringify } from 'yaml';
import { CHART } from './cluster.ts';

export interface Release {
  name: string;
  namespace: string;
}

export function installArgs(r: Release, verb: 'install' | 'upgrade' = 'install'): string[] {
  return [
    verb,
    r.name,
    CHART,
    '--namespace',
    r.namespace,
    ...(verb === 'install' ? ['--create-namespace'] : ['--reuse-values']),
    ...['server', 'agent', 'postgresql'].flatMap((part) => ['--set', `${part}.image.pullPolicy=Never`]),
    '--set',
    'smtp.existingSecret=e2e-smtp',
    '--set',
    'smtp.to={ops@example.com}',
  ];
}

/** A Check that the process `sleep <marker>` runs on every node. */
export function checkManifest(r: Release, name: string, marker: string): string {
  return stringify({
    apiVersion: 'vilicus.dev/v1alpha1',
    kind: 'Check',
    metadata: { name, namespace: r.namespace },
    spec: {
      process: { pattern: marker, minCount: 1 },
      interval: '5s',
      severity: 'critical',
    },
  });
}

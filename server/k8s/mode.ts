// Kubernetes mode's parts, in the one module the server loads only when that
// mode is on (wanted.ts decides): @kubernetes/client-node alone adds ~80 MiB
// to the server's resident memory, which the embedded mode must not pay
// (ADR 9).
export { loadKubeConfig } from './client.ts';
export { createEventRecorder } from './events.ts';
export { startLeaderElection } from './leader.ts';
export { startNodeSync } from './nodes.ts';
export { createOwners } from './ownership.ts';
export { startReconciler } from './reconciler.ts';
export { startStatusWriter } from './status-writer.ts';
export { createKubeAuthenticator } from './token-review.ts';

// Which release owns a Check (docs/adr/0008-check-ownership-across-releases.md).
// A release is named by its leader Lease, `<namespace>/<lease name>`; it stamps
// the Checks it runs with the annotation below. A Check claimed by another
// release whose Lease is still held is left alone: not run, no status, no mail.
// A claim whose Lease is gone, released or expired is taken over.
import {
  CoordinationV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from './client.ts';
import type { CheckResource } from './reconciler.ts';

export const OWNER_ANNOTATION = 'vilicus.dev/owner';

export type Ownership = 'mine' | 'claim' | 'take-over' | 'other';

/** Pure: what to do with a Check that carries `claim` (or none), when the claimant's Lease is `held` or not. */
export function decideOwnership(claim: string | undefined, me: string, claimantHeld: boolean): Ownership {
  if (!claim) return 'claim';
  if (claim === me) return 'mine';
  return claimantHeld ? 'other' : 'take-over';
}

/** Pure: a Lease is held while it names a holder and its last renewal is younger than its duration. */
export function leaseHeld(
  spec: { holderIdentity?: string; renewTime?: Date | string; leaseDurationSeconds?: number } | undefined,
  now: Date,
): boolean {
  if (!spec?.holderIdentity || !spec.renewTime) return false;
  return now.getTime() < new Date(spec.renewTime).getTime() + (spec.leaseDurationSeconds ?? 15) * 1000;
}

export interface Owners {
  /** This release's name, `<namespace>/<lease>`. */
  me: string;
  /** Decides, and claims (a compare-and-swap on the resourceVersion) when the Check is free. */
  resolve(resource: CheckResource): Promise<{ ownership: Ownership; owner: string }>;
}

export function createOwners(kc: KubeConfig, me: string): Owners {
  const leases = kc.makeApiClient(CoordinationV1Api);
  const checks = kc.makeApiClient(CustomObjectsApi);
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  async function held(claim: string): Promise<boolean> {
    const [namespace, name] = claim.split('/') as [string, string];
    try {
      const lease = await leases.readNamespacedLease({ name, namespace });
      return leaseHeld(lease.spec, new Date());
    } catch (error) {
      if ((error as { code?: number }).code === 404) return false; // uninstalled: its claims are free
      throw error;
    }
  }
  return {
    me,
    async resolve(resource) {
      const meta = resource.metadata!;
      const claim = meta.annotations?.[OWNER_ANNOTATION];
      const ownership = decideOwnership(claim, me, claim && claim !== me ? await held(claim) : false);
      if (ownership === 'claim' || ownership === 'take-over') {
        // With the resourceVersion the patch fails (409) if another release claimed it meanwhile.
        const body = { metadata: { resourceVersion: meta.resourceVersion, annotations: { [OWNER_ANNOTATION]: me } } };
        const target = { group: GROUP, version: VERSION, plural: PLURAL, namespace: meta.namespace!, name: meta.name! };
        try {
          await checks.patchNamespacedCustomObject({ ...target, body }, mergePatch);
        } catch (error) {
          // RBAC of an older chart (no `patch` on checks): run it unclaimed, as before, rather than not at all.
          if ((error as { code?: number }).code !== 403) throw error;
        }
      }
      return { ownership, owner: ownership === 'other' ? claim! : me };
    },
  };
}

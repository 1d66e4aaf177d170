import { describe, expect, it } from 'vitest';
import { decideOwnership, leaseHeld } from '../../../server/k8s/ownership.ts';

const me = 'rel-a/vilicus-leader';
const now = new Date('2026-12-01T12:00:00Z');

describe('decideOwnership', () => {
  it.each([
    // nobody claimed it: claim it
    [undefined, false, 'claim'],
    [undefined, true, 'claim'],
    // our own claim
    [me, true, 'mine'],
    [me, false, 'mine'],
    // another release, still there: leave it alone
    ['rel-b/vilicus-leader', true, 'other'],
    // another release whose Lease is gone, released or expired: take it over
    ['rel-b/vilicus-leader', false, 'take-over'],
  ] as const)('claim %s, claimant held %s → %s', (claim, held, expected) => {
    expect(decideOwnership(claim, me, held)).toBe(expected);
  });
});

describe('leaseHeld', () => {
  it.each([
    // renewed 5 s ago, 15 s lease
    [{ holderIdentity: 'pod-1', renewTime: '2026-12-01T11:59:55Z', leaseDurationSeconds: 15 }, true],
    // renewed 16 s ago: expired (its replicas died)
    [{ holderIdentity: 'pod-1', renewTime: '2026-12-01T11:59:44Z', leaseDurationSeconds: 15 }, false],
    // released on a clean stop: no holder
    [{ renewTime: '2026-12-01T11:59:59Z', leaseDurationSeconds: 1 }, false],
    // never renewed
    [{ holderIdentity: 'pod-1' }, false],
    [undefined, false],
  ])('%j → %s', (spec, held) => {
    expect(leaseHeld(spec, now)).toBe(held);
  });
});

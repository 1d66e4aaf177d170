import type { V1Pod, V1TokenReviewStatus } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  claimRefusal,
  identityFromReview,
  looksLikeJwt,
  nodeFromPod,
  reuseMs,
  type Identity,
} from '../../../../server/k8s/agent-identity.ts';

const SA = 'system:serviceaccount:vilicus:agent';

/** A review the API server gives for a pod-bound agent token; `extra` replaces the node/pod keys. */
function review(over: Partial<V1TokenReviewStatus> = {}, extra?: Record<string, string[]>): V1TokenReviewStatus {
  return {
    authenticated: true,
    audiences: ['vilicus'],
    user: {
      username: SA,
      extra: extra ?? {
        'authentication.kubernetes.io/node-name': ['node-a'],
        'authentication.kubernetes.io/pod-name': ['agent-x1'],
        'authentication.kubernetes.io/pod-uid': ['uid-1'],
      },
    },
    ...over,
  };
}

const status = (identity: Identity): number | undefined =>
  'refused' in identity ? identity.refused.status : undefined;

describe('identityFromReview', () => {
  it.each<[string, V1TokenReviewStatus | undefined, Identity | number]>([
    // the usual case: the API server signs the node into pod-bound tokens
    ['takes the node from the review', review(), { node: 'node-a' }],
    // older servers name only the pod: look it up in the ServiceAccount's namespace
    [
      'names the pod when the node is absent',
      review(
        {},
        { 'authentication.kubernetes.io/pod-name': ['agent-x1'], 'authentication.kubernetes.io/pod-uid': ['u'] },
      ),
      { pod: { namespace: 'vilicus', name: 'agent-x1', uid: 'u' } },
    ],
    // an empty node name is no node name
    [
      'ignores an empty node name',
      review({}, { 'authentication.kubernetes.io/node-name': [''], 'authentication.kubernetes.io/pod-name': ['p'] }),
      { pod: { namespace: 'vilicus', name: 'p', uid: undefined } },
    ],
    // no answer, or the API server did not accept the token (expired, forged, wrong audience)
    ['refuses a missing status', undefined, 401],
    ['refuses an unauthenticated token', review({ authenticated: false, error: 'invalid bearer token' }), 401],
    // an audience-unaware authenticator answers without audiences: a token for the API server itself
    ['refuses a review without audiences', review({ audiences: [] }), 401],
    ['refuses another audience', review({ audiences: ['https://kubernetes.default.svc'] }), 401],
    // authenticated, but not as the agents' ServiceAccount
    ['refuses another ServiceAccount', review({ user: { username: 'system:serviceaccount:vilicus:other' } }), 403],
    [
      'refuses the same name in another namespace',
      review({ user: { username: 'system:serviceaccount:x:agent' } }),
      403,
    ],
    ['refuses a user', review({ user: { username: 'alice' } }), 403],
    // a token not bound to a pod (kubectl create token without --bound-object-kind) names no node
    ['refuses an unbound token', review({}, {}), 403],
  ])('%s', (_name, input, expected) => {
    const identity = identityFromReview(input, SA);
    if (typeof expected === 'number') expect(status(identity)).toBe(expected);
    else expect(identity).toEqual(expected);
  });
});

describe('nodeFromPod', () => {
  const pod = (nodeName: string | undefined, uid = 'u1'): V1Pod => ({
    metadata: { uid },
    spec: { nodeName, containers: [] },
  });
  it.each<[string, V1Pod | null, string | undefined, Identity | number]>([
    ['takes the pod’s node', pod('node-b'), 'u1', { node: 'node-b' }],
    // the token carried no pod uid: the name is all there is to match
    ['accepts a pod when the token has no uid', pod('node-b'), undefined, { node: 'node-b' }],
    // deleted pods invalidate their tokens; a race can still show it gone
    ['refuses a pod that is gone', null, 'u1', 403],
    // a new pod of the same name is not the one the token was issued to
    ['refuses a replaced pod', pod('node-b', 'u2'), 'u1', 403],
    ['refuses an unscheduled pod', pod(undefined), 'u1', 403],
  ])('%s', (_name, input, uid, expected) => {
    const verdict = nodeFromPod(input, { name: 'agent-x1', uid });
    if (typeof expected === 'number') expect(status(verdict)).toBe(expected);
    else expect(verdict).toEqual(expected);
  });
});

describe('claimRefusal', () => {
  it.each<[string, string | string[] | undefined, boolean]>([
    ['allows no claim (an agent that does not say)', undefined, false],
    ['allows the token’s own node', 'node-a', false],
    ['refuses another node', 'node-b', true],
    // a header sent twice: every value must be the node
    ['refuses when any repeated value differs', ['node-a', 'node-b'], true],
    ['allows the node repeated', ['node-a', 'node-a'], false],
  ])('%s', (_name, claimed, refused) => {
    const result = claimRefusal('node-a', claimed);
    expect(result !== null).toBe(refused);
    if (result) expect(result).toMatchObject({ status: 403, message: expect.stringContaining('node-a') });
  });
});

describe('looksLikeJwt', () => {
  it.each<[string, boolean]>([
    ['eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.c2ln', true],
    ['vat_abcDEF-123_xyz', false], // vilicus' own agent tokens
    ['a.b', false],
    ['a.b.c.d', false],
    ['a.b c.d', false],
  ])('%s → %s', (token, expected) => expect(looksLikeJwt(token)).toBe(expected));
});

describe('reuseMs', () => {
  const jwt = (claims: object): string =>
    `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
  const now = 1_000_000_000_000;
  it.each<[string, string, number]>([
    ['the TTL for a token valid much longer', jwt({ exp: now / 1000 + 3600 }), 30_000],
    ['until the expiry when it comes sooner', jwt({ exp: now / 1000 + 10 }), 10_000],
    ['nothing for an expired token', jwt({ exp: now / 1000 - 10 }), 0],
    ['the TTL without an exp claim', jwt({ sub: 'x' }), 30_000],
    ['the TTL when the claims cannot be read', 'a.%%%.c', 30_000],
  ])('%s', (_name, token, expected) => expect(reuseMs(token, now, 30_000)).toBe(expected));
});

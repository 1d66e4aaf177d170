// Who a TokenReview says an agent is, in the terms vilicus needs: the agent
// ServiceAccount, and the node its token was issued on. Pure: token-review.ts
// makes the calls and hands the answers in.
import type { V1Pod, V1TokenReviewStatus } from '@kubernetes/client-node';

/** The audience agents' projected tokens are issued for (the chart's serviceAccountToken volume). */
export const AUDIENCE = 'vilicus';

// Set by the API server for tokens bound to a pod (TokenRequest with a Pod boundObjectRef).
const NODE_NAME = 'authentication.kubernetes.io/node-name';
const POD_NAME = 'authentication.kubernetes.io/pod-name';
const POD_UID = 'authentication.kubernetes.io/pod-uid';

export interface Refusal {
  status: 401 | 403;
  message: string;
}

/** The node an agent's token was issued on, or why it may not be an agent. */
export type Verdict = { node: string } | { refused: Refusal };

export type Identity =
  | Verdict
  /** The token names its pod but not the node (servers before node info in tokens): look the pod up. */
  | { pod: { namespace: string; name: string; uid: string | undefined } };

const refuse = (status: 401 | 403, message: string): { refused: Refusal } => ({ refused: { status, message } });
const first = (values: readonly string[] | undefined): string | undefined => values?.find((v) => v !== '');

/**
 * `serviceAccount` is the username the review must report
 * (`system:serviceaccount:NS:NAME`, from client.ts `serviceAccountUser`).
 */
export function identityFromReview(status: V1TokenReviewStatus | undefined, serviceAccount: string): Identity {
  const refused = accountRefusal(status, serviceAccount);
  if (refused) return { refused };
  const extra = status?.user?.extra ?? {};
  const node = first(extra[NODE_NAME]);
  if (node) return { node };
  const pod = first(extra[POD_NAME]);
  if (pod) return { pod: { namespace: serviceAccount.split(':')[2]!, name: pod, uid: first(extra[POD_UID]) } };
  return refuse(
    403,
    'the token is not bound to a pod, so it names no node (use a projected serviceAccountToken volume)',
  );
}

function accountRefusal(status: V1TokenReviewStatus | undefined, serviceAccount: string): Refusal | null {
  if (!status?.authenticated)
    return { status: 401, message: `token not accepted: ${status?.error ?? 'not authenticated'}` };
  // An audience-unaware authenticator answers with no audiences: then the token is for the API server, not for us.
  if (!status.audiences?.includes(AUDIENCE))
    return { status: 401, message: `the token is not for audience ${AUDIENCE}` };
  const username = status.user?.username ?? '';
  if (username !== serviceAccount)
    return { status: 403, message: `${username} is not the agent ServiceAccount ${serviceAccount}` };
  return null;
}

/** The node of the pod a token was bound to; `pod` is null when it is gone. */
export function nodeFromPod(pod: V1Pod | null, wanted: { name: string; uid: string | undefined }): Verdict {
  if (!pod) return refuse(403, `pod ${wanted.name} no longer exists`);
  if (wanted.uid && pod.metadata?.uid !== wanted.uid) return refuse(403, `pod ${wanted.name} was replaced`);
  const node = pod.spec?.nodeName;
  return node ? { node } : refuse(403, `pod ${wanted.name} is not on a node`);
}

/** The agent may say which node it is (x-vilicus-agent-name); it must be the token's node. */
export function claimRefusal(node: string, claimed: string | readonly string[] | undefined): Refusal | null {
  const names = claimed === undefined ? [] : typeof claimed === 'string' ? [claimed] : claimed;
  const other = names.find((name) => name !== node);
  return other === undefined ? null : { status: 403, message: `a token from node ${node} cannot act as ${other}` };
}

/** Service-account tokens are JWTs; vilicus' own agent tokens (`vat_…`) have no dots. */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}

/**
 * How long a review of this token may be reused: `ttlMs`, but never past the
 * token's `exp`. The claim is read unverified, which is safe because it can
 * only shorten the time (the API server did the verifying).
 */
export function reuseMs(token: string, nowMs: number, ttlMs: number): number {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      exp?: unknown;
    };
    if (typeof claims.exp === 'number') return Math.max(0, Math.min(ttlMs, claims.exp * 1000 - nowMs));
  } catch {
    // not a JWT we can read: the plain TTL
  }
  return ttlMs;
}

// Agents in the cluster sign in with their projected ServiceAccount token
// (audience vilicus). A TokenReview says whose token it is and on which node
// it was issued; the agent *is* that node: its row is named after the Node.
// Tokens that are not JWTs (vilicus' own `vat_…` agent tokens, for agents off
// the cluster) go to the fallback authenticator unchanged, and never to the
// API server; so does the admin token. JWTs never go to the fallback: no
// `vat_` token is one, and a database lookup per call that cannot match
// would only cost.
import { createHash } from 'node:crypto';
import { AuthenticationV1Api, CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { FastifyRequest } from 'fastify';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Authenticator } from '../api/auth.ts';
import { AgentsRepository, type AgentRow } from '../db/agents.repository.ts';
import { ApiError, errors } from '../errors.ts';
import type { Logger } from '../log.ts';
import {
  AUDIENCE,
  claimRefusal,
  identityFromReview,
  looksLikeJwt,
  nodeFromPod,
  reuseMs,
  type Refusal,
  type Verdict,
} from './agent-identity.ts';
import { serviceAccountUser, type KubeSettings } from './client.ts';

/** The header an agent names its node in (agent/client.ts sends it on every call). */
export const AGENT_NAME_HEADER = 'x-vilicus-agent-name';

export interface KubeAuthOptions {
  /** How long a TokenReview answer (yes or no) is reused, never past the token's expiry. Default 30 s. */
  reviewTtlMs?: number;
  /** How long a node's agent row is reused (its labels change; the Node may go). Default 5 s. */
  agentTtlMs?: number;
  /** Most answers kept; the oldest go first. Default 10,000. */
  maxEntries?: number;
}

const refusal = (r: Refusal): ApiError =>
  new ApiError(r.status === 401 ? errors.unauthenticated : errors.forbidden, r.message);
const isNotFound = (error: unknown): boolean => (error as { code?: unknown }).code === 404;

/** A map that forgets its oldest entry when full (insertion order ≈ expiry order: one TTL). */
class Bounded<V extends { until: number }> {
  private readonly map = new Map<string, V>();
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  get(key: string, now: number): V | undefined {
    const hit = this.map.get(key);
    if (hit && hit.until > now) return hit;
    if (hit) this.map.delete(key);
    return undefined;
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
    this.map.set(key, value);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  clear(): void {
    this.map.clear();
  }
}

export function createKubeAuthenticator(
  kc: KubeConfig,
  orm: MikroORM,
  settings: KubeSettings,
  fallback: Authenticator,
  log: Logger,
  options: KubeAuthOptions = {},
): Authenticator {
  const authn = kc.makeApiClient(AuthenticationV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const serviceAccount = serviceAccountUser(settings);
  const reviewTtlMs = options.reviewTtlMs ?? 30_000;
  const agentTtlMs = options.agentTtlMs ?? 5_000;
  // Keyed by the token's SHA-256: the tokens themselves are never kept.
  const verdicts = new Bounded<{ until: number; verdict: Promise<Verdict> }>(options.maxEntries ?? 10_000);
  const agents = new Bounded<{ until: number; agent: Promise<AgentRow> }>(options.maxEntries ?? 10_000);

  async function ask(token: string): Promise<Verdict> {
    const answer = await authn.createTokenReview({
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: [AUDIENCE] } },
    });
    const identity = identityFromReview(answer.status, serviceAccount);
    if (!('pod' in identity)) return identity;
    const { namespace, name } = identity.pod;
    const pod = await core.readNamespacedPod({ namespace, name }).catch((error: unknown): V1Pod | null => {
      if (isNotFound(error)) return null;
      throw error;
    });
    return nodeFromPod(pod, identity.pod);
  }

  async function review(token: string): Promise<Verdict> {
    const verdict = await ask(token).catch((error: unknown) => {
      // Not the agent's fault: a 5xx, so that it retries (a 4xx reads as "refused").
      throw new Error('cannot check the agent token with the Kubernetes API', { cause: error });
    });
    // A wrong ServiceAccount or node is a misconfiguration (or worse); a bad token is noise.
    if ('refused' in verdict && verdict.refused.status === 403)
      log.warn({ reason: verdict.refused.message }, 'agent token refused');
    else if ('refused' in verdict) log.debug({ reason: verdict.refused.message }, 'agent token not accepted');
    return verdict;
  }

  function reviewed(token: string): Promise<Verdict> {
    const key = createHash('sha256').update(token).digest('hex');
    const now = Date.now();
    const hit = verdicts.get(key, now);
    if (hit) return hit.verdict;
    const verdict = review(token);
    verdicts.set(key, { until: now + reuseMs(token, now, reviewTtlMs), verdict });
    verdict.catch(() => verdicts.delete(key)); // a failed call is not an answer
    return verdict;
  }

  async function loadAgent(node: string): Promise<AgentRow> {
    const repo = new AgentsRepository(orm.em.fork());
    const known = await repo.byName(node);
    if (known) return known;
    // Usually the node sync made it already; the Node must exist either way.
    const found = await core.readNode({ name: node }).catch((error: unknown) => {
      if (isNotFound(error)) return null;
      throw new Error('cannot read the agent’s Node from the Kubernetes API', { cause: error });
    });
    if (!found) throw new ApiError(errors.forbidden, `node ${node} is not in the cluster`);
    const { agent } = await repo.ensureNamed(node, found.metadata?.labels ?? {}, new Date());
    log.info({ agent: node }, 'agent of a Kubernetes node signed in for the first time');
    return agent;
  }

  function agentOf(node: string): Promise<AgentRow> {
    const now = Date.now();
    const hit = agents.get(node, now);
    if (hit) return hit.agent;
    const agent = loadAgent(node);
    agents.set(node, { until: now + agentTtlMs, agent });
    agent.catch(() => agents.delete(node));
    return agent;
  }

  return {
    requireAdmin(request) {
      fallback.requireAdmin(request);
    },
    async requireAgent(request: FastifyRequest) {
      const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
      if (!token || !looksLikeJwt(token)) return fallback.requireAgent(request);
      const verdict = await reviewed(token);
      if ('refused' in verdict) throw refusal(verdict.refused);
      const claimed = claimRefusal(verdict.node, request.headers[AGENT_NAME_HEADER]);
      if (claimed) throw refusal(claimed);
      return agentOf(verdict.node);
    },
    forget() {
      agents.clear();
      fallback.forget();
    },
  };
}

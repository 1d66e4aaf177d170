// Bearer tokens: the admin token for people and tools, one token per agent.
import type { FastifyRequest } from 'fastify';
import type { AgentRow } from '../db/agents.repository.ts';
import { hashToken, sameToken } from '../db/tokens.ts';
import { ApiError, errors } from '../errors.ts';

export interface Authenticator {
  requireAdmin(request: FastifyRequest): void;
  requireAgent(request: FastifyRequest): Promise<AgentRow>;
  /** Forget cached agents (after an agent is deleted). */
  forget(): void;
}

function bearer(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!match) throw new ApiError(errors.unauthenticated, 'send Authorization: Bearer <token>');
  return match[1]!;
}

/**
 * Agent lookups are cached for a few seconds: every agent calls several
 * times a cycle, and a token lookup per call would double the ingest queries.
 */
export function createAuthenticator(
  adminToken: string,
  findAgent: (tokenHash: string) => Promise<AgentRow | null>,
  cacheMs = 5000,
): Authenticator {
  const cache = new Map<string, { agent: AgentRow; until: number }>();
  return {
    requireAdmin(request) {
      if (!sameToken(bearer(request), adminToken)) throw new ApiError(errors.unauthenticated, 'not the admin token');
    },
    async requireAgent(request) {
      const hash = hashToken(bearer(request));
      const now = Date.now();
      const hit = cache.get(hash);
      if (hit && hit.until > now) return hit.agent;
      const agent = await findAgent(hash);
      if (!agent) throw new ApiError(errors.unauthenticated, 'unknown agent token');
      if (cache.size > 50_000) cache.clear();
      cache.set(hash, { agent, until: now + cacheMs });
      return agent;
    },
    forget() {
      cache.clear();
    },
  };
}

const authenticated = new WeakMap<FastifyRequest, AgentRow>();

/** Called once per request by the app's authentication hook. */
export function rememberAgent(request: FastifyRequest, agent: AgentRow): void {
  authenticated.set(request, agent);
}

/** The agent the hook authenticated for this request (routes that declare `agentToken`). */
export function agentOf(request: FastifyRequest): AgentRow {
  const agent = authenticated.get(request);
  if (!agent) throw new Error(`${request.routeOptions.url} declares no agentToken security`);
  return agent;
}

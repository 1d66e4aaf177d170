// The agent's side of the wire contract: plain fetch, the token on every call.
import type { AgentConfig, AgentView, CheckOut, IngestReply, ResultIn } from '../server/api/contract/index.ts';

/** Worth retrying: the network failed, or the server said 5xx / 429. */
export class RetryableError extends Error {}
/** Not worth retrying as is: the server refused the request (4xx). */
export class RefusedError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export interface ServerClient {
  whoami(): Promise<AgentView>;
  /** null when the config is unchanged since `etag`. */
  config(etag: string | null): Promise<{ config: AgentConfig; etag: string | null } | null>;
  post(results: readonly ResultIn[]): Promise<IngestReply>;
  checkOut(agentId: string, facts: CheckOut): Promise<void>;
}

export interface ClientOptions {
  /** Sent as x-vilicus-agent-name: in Kubernetes the server checks it is the node the token was issued on. */
  agentName?: string;
  timeoutMs?: number;
}

/** `token` may be a function: a projected ServiceAccount token is replaced on disk before it expires. */
export function createClient(
  baseUrl: string,
  token: string | (() => string),
  options: ClientOptions = {},
): ServerClient {
  const base = baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const name = options.agentName ? { 'x-vilicus-agent-name': options.agentName } : {};
  async function call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${typeof token === 'function' ? token() : token}`,
          ...name,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new RetryableError(`${method} ${path}: ${(error as Error).message}`);
    }
    if (response.status >= 500 || response.status === 429) {
      throw new RetryableError(`${method} ${path}: ${response.status} ${await response.text()}`);
    }
    if (response.status >= 400)
      throw new RefusedError(response.status, `${method} ${path}: ${response.status} ${await response.text()}`);
    return response;
  }
  return {
    async whoami() {
      return (await (await call('GET', '/api/v1/agent/')).json()) as AgentView;
    },
    async config(etag) {
      const response = await call('GET', '/api/v1/agent/config', undefined, etag ? { 'if-none-match': etag } : {});
      if (response.status === 304) return null;
      return { config: (await response.json()) as AgentConfig, etag: response.headers.get('etag') };
    },
    async post(results) {
      return (await (await call('POST', '/api/v1/check_history/', results)).json()) as IngestReply;
    },
    async checkOut(agentId, facts) {
      await (await call('PUT', `/api/v1/agent/${agentId}/`, facts)).arrayBuffer();
    },
  };
}

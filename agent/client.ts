// The agent's side of the wire contract: node:http(s), the token on every call.
//
// For the agent's resident memory (bench/README.md, "Agent cost": 88 → 66 MiB
// with both): not fetch, which is undici: its first request loads its
// JavaScript and compiles its HTTP parser to WebAssembly, ~12 MiB for three
// small JSON calls a cycle. And node:http through process.getBuiltinModule,
// not `import`: the ES module view of node:http reads every export, and its
// lazy WebSocket getters load undici anyway, with http2, tls, crypto and zlib
// (~10 MiB). node:https (tls and crypto, ~7 MiB) is loaded only for an
// https:// server.
import type { AgentConfig, AgentView, CheckOut, IngestReply, ResultIn } from '../contract/index.ts';

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

interface Reply {
  status: number;
  etag: string | null;
  body: string;
}

const http = process.getBuiltinModule('node:http');

/**
 * One request, its whole body read as text, within `timeoutMs` from start to
 * the last byte. The global agents keep the connection alive between the
 * calls of a cycle (and close it after 5 s idle), as fetch did.
 */
function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? process.getBuiltinModule('node:https') : http;
    const request = client.request(url, { method, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.once('error', fail);
      response.once('end', () => {
        clearTimeout(timer);
        const etag = response.headers.etag;
        resolve({ status: response.statusCode ?? 0, etag: etag ?? null, body: text });
      });
      response.once('close', () => {
        if (!response.complete) fail(new Error('the connection closed before the response ended'));
      });
    });
    const timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    function fail(error: Error): void {
      clearTimeout(timer);
      request.destroy();
      reject(error);
    }
    request.once('error', fail);
    request.end(body);
  });
}

/** `token` may be a function: a projected ServiceAccount token is replaced on disk before it expires. */
export function createClient(
  baseUrl: string,
  token: string | (() => string),
  options: ClientOptions = {},
): ServerClient {
  const base = baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const name: Record<string, string> = options.agentName ? { 'x-vilicus-agent-name': options.agentName } : {};
  async function call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    const json = body === undefined ? undefined : JSON.stringify(body);
    let reply: Reply;
    try {
      reply = await send(
        new URL(`${base}${path}`),
        method,
        {
          authorization: `Bearer ${typeof token === 'function' ? token() : token}`,
          ...name,
          ...(json === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(json)) }),
          ...headers,
        },
        json,
        timeoutMs,
      );
    } catch (error) {
      throw new RetryableError(`${method} ${path}: ${(error as Error).message}`);
    }
    if (reply.status >= 500 || reply.status === 429) {
      throw new RetryableError(`${method} ${path}: ${reply.status} ${reply.body}`);
    }
    if (reply.status >= 400) throw new RefusedError(reply.status, `${method} ${path}: ${reply.status} ${reply.body}`);
    return reply;
  }
  return {
    async whoami() {
      return JSON.parse((await call('GET', '/api/v1/agent/')).body) as AgentView;
    },
    async config(etag) {
      const reply = await call('GET', '/api/v1/agent/config', undefined, etag ? { 'if-none-match': etag } : {});
      if (reply.status === 304) return null;
      return { config: JSON.parse(reply.body) as AgentConfig, etag: reply.etag };
    },
    async post(results) {
      return JSON.parse((await call('POST', '/api/v1/check_history/', results)).body) as IngestReply;
    },
    async checkOut(agentId, facts) {
      await call('PUT', `/api/v1/agent/${agentId}/`, facts);
    },
  };
}

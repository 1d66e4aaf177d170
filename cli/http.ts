// The client commands' HTTP: the admin token on every call, errors as one line.
import { existsSync, readFileSync } from 'node:fs';
import { adminTokenPath } from '../server/admin-token.ts';
import type { ClientConfig } from '../server/config.ts';

export interface AdminClient {
  call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

export function adminClient(config: ClientConfig): AdminClient {
  const tokenFile = adminTokenPath(config.dataDir);
  const token = config.adminToken ?? (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined);
  if (!token) throw new Error(`no admin token: set VILICUS_ADMIN_TOKEN or --admin-token (looked in ${tokenFile})`);
  const base = config.server.replace(/\/+$/, '');
  return {
    async call<T>(method: string, path: string, body?: unknown) {
      let response: Response;
      try {
        response = await fetch(`${base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (error) {
        throw new Error(
          `cannot reach ${base}: ${(error as Error).message} (is \`vilicus server\` running? --server / VILICUS_SERVER)`,
        );
      }
      const text = await response.text();
      const parsed = (text ? JSON.parse(text) : null) as T & { error?: string; message?: string };
      if (response.status >= 400)
        throw new Error(`${response.status} ${parsed?.error ?? ''}: ${parsed?.message ?? text}`);
      return { status: response.status, body: parsed };
    },
  };
}

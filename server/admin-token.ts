// The admin token: from the setting, or generated on first start into the
// data dir (mode 0600) and printed once.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newToken } from './db/tokens.ts';
import { privateDir } from './private-dir.ts';

export interface AdminToken {
  token: string;
  /** True when this start generated it (the caller prints it once). */
  generated: boolean;
  path: string | null;
}

export function adminTokenPath(dataDir: string): string {
  return join(dataDir, 'admin-token');
}

export function loadOrCreateAdminToken(configured: string | undefined, dataDir: string): AdminToken {
  if (configured) return { token: configured, generated: false, path: null };
  const path = adminTokenPath(dataDir);
  privateDir(dataDir);
  if (existsSync(path)) return { token: readFileSync(path, 'utf8').trim(), generated: false, path };
  const token = newToken('vadm');
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { token, generated: true, path };
}

/** The token as a log may show it: enough to tell which one, never enough to use it. */
export function redactedToken(token: string): string {
  return `${token.slice(0, 9)}…`;
}

// The admin token: from the setting, or generated on first start into the
// data dir (mode 0600) and printed once.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newToken } from './db/tokens.ts';

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
  if (existsSync(path)) return { token: readFileSync(path, 'utf8').trim(), generated: false, path };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const token = newToken('vadm');
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { token, generated: true, path };
}

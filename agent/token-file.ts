// In Kubernetes the agent's token is a projected ServiceAccount token: the
// kubelet writes a fresh one into the file before the old one expires (they
// live about an hour), so a token read once at start stops working. Read the
// file again whenever it changed.
import { readFileSync, statSync } from 'node:fs';
import type { AgentConfigSettings } from './config.ts';

const read = (file: string): string => readFileSync(file, 'utf8').trim();

/** The token, or a function that returns the file's current token. `--token` wins over `--token-file`. */
export function tokenSource(config: Pick<AgentConfigSettings, 'token' | 'tokenFile'>): string | (() => string) {
  const file = config.tokenFile;
  if (file === undefined || read(file) !== config.token) return config.token;
  let token = config.token;
  let mtimeMs = statSync(file).mtimeMs;
  return () => {
    try {
      const changed = statSync(file).mtimeMs;
      if (changed !== mtimeMs) {
        token = read(file) || token;
        mtimeMs = changed;
      }
    } catch {
      // being replaced, or gone: the last token until the file is back
    }
    return token;
  };
}

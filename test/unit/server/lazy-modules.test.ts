// What the server's module graph loads before it knows its mode: neither the
// embedded database (PGlite, ~5 MiB of modules) nor the Kubernetes client
// (~80 MiB), which only their own mode imports (ADR 9). A child node records
// every module it loads (module.registerHooks) while it imports server/main.ts.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = new URL('../../../server/main.ts', import.meta.url).href;

const script = `
import { registerHooks } from 'node:module';
const loaded = [];
registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
await import(${JSON.stringify(MAIN)});
process.stdout.write(JSON.stringify(loaded));
`;

function loadedByServerMain(): string[] {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../../../', import.meta.url)),
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[];
}

describe('the server module graph', () => {
  const loaded = loadedByServerMain();

  it('loads the server itself (the hook sees its modules)', () => {
    expect(loaded).toContain(new URL('../../../server/db/orm.ts', import.meta.url).href);
  });

  it.each(['@electric-sql/pglite', '@electric-sql/pglite-socket', '@kubernetes/client-node'])(
    'does not load %s until its mode asks for it',
    (name) => {
      expect(loaded.filter((url) => url.includes(`/node_modules/${name}/`))).toEqual([]);
    },
  );
});

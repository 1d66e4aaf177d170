// The commands a newcomer types first, as real CLI processes: `vilicus up`
// (what `npm start` runs) in an empty folder, then apply, get, delete and
// silence against it with the admin token it wrote (mode 0600).
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, killAll, START_MS, vilicus, waitFor, type Proc } from '../../helpers/processes.ts';

const dir = mkdtempSync(join(tmpdir(), 'vilicus-newcomer-'));
const dataDir = join(dir, 'data');
let up: Proc;
let url: string;

/** One client command to its exit: code and everything it printed. */
async function cli(...args: string[]): Promise<{ code: number | null; out: string }> {
  // No VILICUS_ADMIN_TOKEN: the client finds the token `up` wrote in the data dir, as a newcomer's would.
  const proc = vilicus([...args, '--server', url, '--data-dir', dataDir], { VILICUS_ADMIN_TOKEN: '' });
  const exited = new Promise<number | null>((resolve) => proc.child.once('exit', resolve));
  const code = await exited;
  return { code, out: proc.output() };
}

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  up = vilicus(['up', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir], {
    VILICUS_ADMIN_TOKEN: '',
  });
  await waitFor(
    async () => (await fetch(`${url}/readyz`).catch(() => null))?.status === 200,
    START_MS,
    () => up.output(),
  );
});
afterAll(async () => {
  await killAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('a newcomer with vilicus up', () => {
  it('writes the admin token readable by its owner only', () => {
    expect(statSync(join(dataDir, 'admin-token')).mode & 0o777).toBe(0o600);
  });

  it('shows the example checks and the local agent with get', async () => {
    const checks = await cli('get', 'checks');
    expect(checks.code, checks.out).toBe(0);
    for (const name of ['cpu-busy', 'disk-full', 'load-high', 'memory-high', 'nginx-running', 'website-up'])
      expect(checks.out).toMatch(new RegExp(`^\\S*\\s*${name}\\s`, 'm'));
    const agents = await cli('get', 'agents');
    expect(agents.code, agents.out).toBe(0);
    expect(agents.out).toContain(hostname());
  });

  it('applies a file, lists it, deletes it', async () => {
    const file = join(dir, 'sleeper.yaml');
    writeFileSync(
      file,
      'apiVersion: vilicus.dev/v1alpha1\nkind: Check\nmetadata: { name: newcomer-sleeper }\nspec:\n  process: { name: newcomer-none }\n',
    );
    const applied = await cli('apply', '-f', file);
    expect(applied.code, applied.out).toBe(0);
    expect(applied.out).toContain('newcomer-sleeper');
    expect((await cli('get', 'checks')).out).toContain('newcomer-sleeper');
    const deleted = await cli('delete', 'check', 'newcomer-sleeper');
    expect(deleted.code, deleted.out).toBe(0);
    expect((await cli('get', 'checks')).out).not.toContain('newcomer-sleeper');
  });

  it('silences a check and lists the silence', async () => {
    const added = await cli('silence', 'add', '--check', 'cpu-busy', '--duration', '2h', '-c', 'newcomer test');
    expect(added.code, added.out).toBe(0);
    const listed = await cli('silence', 'ls');
    expect(listed.code, listed.out).toBe(0);
    expect(listed.out).toContain('cpu-busy');
    expect(listed.out).toContain('newcomer test');
  });

  it('refuses a client without the token', async () => {
    const proc = vilicus(['get', 'checks', '--server', url, '--data-dir', join(dir, 'elsewhere')], {
      VILICUS_ADMIN_TOKEN: '',
    });
    const code = await new Promise<number | null>((resolve) => proc.child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(proc.output()).toContain('no admin token');
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await up.stop()).toBe(0);
  });
});

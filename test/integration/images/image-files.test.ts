// What each image holds is enough to run it. Without a Docker engine, the
// test lays out each image's /app in a folder: the server's build with the
// packages it loads at run time (`node cli/build-server.ts --with-packages`,
// as Dockerfile.server's build stage makes it), and the one file the agent's
// build stage bundles (no node_modules); then runs the server from one and the
// agent from the other, the agent as the image's user (nobody) with every
// capability dropped, as the chart runs it under hostPID: it must see and
// count other users' processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgent } from '../../../cli/build-agent.ts';
import { buildServer, SERVER_EXTERNAL } from '../../../cli/build-server.ts';
import { api, freePort, START_MS, waitFor } from '../../helpers/processes.ts';

const isRoot = process.getuid?.() === 0;
const children = new Set<ChildProcess>();

function run(
  root: string,
  entry: string,
  args: string[],
  env: Record<string, string>,
  asNobody = false,
): { pid: number; output: () => string } {
  // setpriv (util-linux): uid/gid 65534, no supplementary groups, empty capability sets, no_new_privs.
  const drop = ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all'];
  const [command, argv] =
    asNobody && isRoot
      ? ['setpriv', [...drop, '--no-new-privs', '--', process.execPath, entry, ...args]]
      : [process.execPath, [entry, ...args]];
  const child = spawn(command, argv, {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return { pid: child.pid!, output: () => out };
}

describe('the image file sets', () => {
  let dir: string;
  const roots = { server: '', agent: '' };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vilicus-images-'));
    chmodSync(dir, 0o755); // the agent runs as nobody
    // The server image's /app: its build stage's output (Dockerfile.server).
    roots.server = (await buildServer(join(dir, 'server'), true)).dir;
    // The agent image's /app: the bundle its build stage makes (Dockerfile.agent), alone.
    roots.agent = join(dir, 'agent');
    await buildAgent(join(dir, 'agent-build'));
    mkdirSync(roots.agent);
    cpSync(join(dir, 'agent-build', 'vilicus-agent.cjs'), join(roots.agent, 'vilicus-agent.cjs'));
  }, 180_000);

  afterAll(async () => {
    await Promise.all([...children].map((c) => new Promise((resolve) => (c.once('exit', resolve), c.kill('SIGKILL')))));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('leaves every npm package but pino and its helpers out of the agent image', async () => {
    expect(readdirSync(roots.agent)).toEqual(['vilicus-agent.cjs']);
    const { packages } = await buildAgent(join(dir, 'agent-build'));
    expect(
      packages.filter(
        (name) =>
          !/^(pino|@pinojs\/|sonic-boom|thread-stream|on-exit-leak-free|atomic-sleep|quick-format-unescaped|safe-stable-stringify)/.test(
            name,
          ),
      ),
    ).toEqual([]);
    const bundle = readFileSync(join(roots.agent, 'vilicus-agent.cjs'), 'utf8');
    for (const server of ['fastify', 'mikro-orm', 'pglite', '@kubernetes/client-node', 'nodemailer'])
      expect(bundle, server).not.toContain(server);
  });

  it("holds the server's build: no TypeScript, and of npm packages only those it loads at run time (no dev dependency)", () => {
    const own = readdirSync(roots.server, { recursive: true, encoding: 'utf8' }).filter(
      (f) => !f.startsWith('node_modules'),
    );
    expect(own).toContain('main.js');
    expect(own).toContain(join('public', 'uPlot.esm.js'));
    expect(own.filter((f) => f.endsWith('.ts'))).toEqual([]);
    const packages = readdirSync(join(roots.server, 'node_modules')).flatMap((name) =>
      name.startsWith('@') ? readdirSync(join(roots.server, 'node_modules', name)).map((n) => `${name}/${n}`) : [name],
    );
    for (const name of SERVER_EXTERNAL) expect(packages).toContain(name);
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(packages.filter((name) => name in pkg.devDependencies)).toEqual([]);
    for (const bundled of ['fastify', '@mikro-orm/core', 'kysely', 'typebox', 'pg', '@kubernetes/client-node'])
      expect(packages, bundled).not.toContain(bundled);
  });

  it('runs the server from its image, and an agent from its image as nobody without capabilities', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const adminToken = 'vadm_image-files-test';
    const server = run(roots.server, 'main.js', ['server'], {
      VILICUS_PORT: String(port),
      VILICUS_HOST: '127.0.0.1',
      VILICUS_DATA_DIR: join(dir, 'data'),
      VILICUS_ADMIN_TOKEN: adminToken,
      VILICUS_KUBERNETES: 'off',
    });
    // Bounds on a hang, not on speed (an embedded server took 112 s to be ready at load 10); the test's
    // own bound is the project's.
    await waitFor(async () => (await fetch(`${url}/readyz`)).ok, START_MS, server.output);

    const call = api(url, adminToken);
    const agent = await call('POST', '/api/v1/agents', { name: 'image-agent' });
    expect(agent.status).toBe(201);
    // pid 1 belongs to root here; the agent, as nobody, must still read its name.
    const pid1 = readFileSync('/proc/1/stat', 'utf8').replace(/^\d+ \((.*)\) .*$/s, '$1');
    const check = {
      apiVersion: 'vilicus.dev/v1alpha1',
      kind: 'Check',
      metadata: { name: 'pid-one' },
      spec: { process: { name: pid1, minCount: 1 }, interval: '1s' },
    };
    expect((await call('PUT', '/api/v1/checks/pid-one', check)).status).toBeLessThan(300);

    const agentRun = run(
      roots.agent,
      'vilicus-agent.cjs',
      ['agent'],
      { VILICUS_SERVER: url, VILICUS_TOKEN: agent.body.token, VILICUS_AGENT_NAME: 'image-agent' },
      true,
    );
    await waitFor(
      async () => {
        const { body } = await call('GET', '/api/v1/checks/pid-one');
        return body.status.agents.some((a: any) => a.agent === 'image-agent' && a.status === 'OK');
      },
      START_MS,
      () => `${agentRun.output()}\n${server.output()}`,
    );
    if (isRoot) {
      // setpriv execs node in place: the agent's own process has no uid 0 and no capability.
      const status = readFileSync(`/proc/${agentRun.pid}/status`, 'utf8');
      expect(status).toMatch(/^Uid:\t65534\t65534\t65534\t65534$/m);
      expect(status).toMatch(/^CapEff:\t0+$/m);
      expect(status).toMatch(/^CapBnd:\t0+$/m);
    }
  });
});

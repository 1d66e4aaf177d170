// The server as shipped runs from its build (cli/build-server.ts, ADR 9 part
// 4): built into a folder of its own with the packages it loads at run time
// (as the server image holds it), it starts on either database, migrates,
// serves the dashboard and takes an agent's result through to its check's
// state, runs its Kubernetes mode (the bundled client against a real
// kube-apiserver), and never loads Node's TypeScript stripper (amaro) or a
// `.ts` file. A preloaded module records what the process loaded and writes
// it at exit.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildServer } from '../../cli/build-server.ts';
import { VERSION } from '../../contract/version.ts';
import { startEnvtest, type Envtest } from '../k8s/envtest.ts';
import { kubectlFor } from '../k8s/run.ts';
import { dbKinds } from '../helpers/app.ts';
import { createDatabase, dropDatabase } from '../helpers/postgres.ts';
import { api, killAll, program, START_MS, startServerProcess, waitFor, type ServerProc } from '../helpers/processes.ts';

const postgresUrl = inject('postgresUrl');

// Plain JavaScript in a data: URL: a .ts preload would itself load the stripper.
const RECORDER = `data:text/javascript,${encodeURIComponent(`
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
const urls = [];
registerHooks({ load(url, context, next) { urls.push(url); return next(url, context); } });
process.on('exit', () => writeFileSync(process.env.LOADED_MODULES_FILE, JSON.stringify({ builtins: process.moduleLoadList, urls })));
`)}`;

interface Loaded {
  builtins: string[];
  urls: string[];
}

/** The modules a process loaded from `build` (and `also`) over its whole run (after it stopped), checked. */
function expectFromBuildOnly(modulesFile: string, build: string, also: string[] = []): string[] {
  const loaded = JSON.parse(readFileSync(modulesFile, 'utf8')) as Loaded;
  // The recorder saw the build's modules (so an empty list below means something).
  expect(loaded.urls).toContain(pathToFileURL(join(build, 'main.js')).href);
  expect(loaded.builtins.filter((m) => m.includes('amaro'))).toEqual([]);
  expect(loaded.urls.filter((url) => /\.[cm]?ts$/.test(url))).toEqual([]);
  // Everything from the build's folder: nothing of the checkout's node_modules or sources.
  const files = loaded.urls.filter((url) => url.startsWith('file:'));
  const allowed = [build, ...also].map((d) => pathToFileURL(d).href);
  expect(files.filter((url) => !allowed.some((d) => url.startsWith(d)))).toEqual([]);
  return files;
}

describe('the server build', () => {
  let dir: string;
  let build: string;
  const databases: string[] = [];
  let envtest: Envtest | undefined;
  let kubernetesChunks: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vilicus-server-build-'));
    const built = await buildServer(join(dir, 'build'), true);
    build = built.dir;
    // The output files holding the Kubernetes client: only the Kubernetes mode may load them (ADR 9).
    kubernetesChunks = Object.entries(built.metafile.outputs)
      .filter(([, output]) => Object.keys(output.inputs).some((input) => input.includes('@kubernetes/client-node/')))
      .map(([file]) => pathToFileURL(join(dir, 'build', basename(file))).href);
  }, START_MS);

  afterAll(async () => {
    await killAll();
    await envtest?.stop();
    for (const url of databases) await dropDatabase(url);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function startBuilt(kind: string, env: Record<string, string> = {}): Promise<ServerProc & { token: string }> {
    const databaseUrl = kind === 'postgres' ? await createDatabase(postgresUrl!, 'vilicus_build') : undefined;
    if (databaseUrl) databases.push(databaseUrl);
    const token = `admin-${crypto.randomUUID()}`;
    const server = await startServerProcess({
      dataDir: mkdtempSync(join(dir, `data-${kind}-`)),
      adminToken: token,
      databaseUrl,
      cli: join(build, 'main.js'),
      nodeArgs: [`--import=${RECORDER}`],
      env: { VILICUS_KUBERNETES: 'off', ...env },
    });
    return { ...server, token };
  }

  it.each(dbKinds(postgresUrl))(
    'starts on %s, serves a result end to end, and loads neither amaro nor a .ts file',
    async (kind) => {
      const modulesFile = join(dir, `loaded-${kind}.json`);
      const server = await startBuilt(kind, { LOADED_MODULES_FILE: modulesFile });
      const call = api(server.url, server.token);
      expect((await fetch(`${server.url}/ui/uPlot.esm.js`)).status).toBe(200);
      const agent = await call('POST', '/api/v1/agents', { name: 'build-agent' });
      expect(agent.status).toBe(201);
      const check = { metadata: { name: 'build-cpu' }, spec: { cpu: { above: 90 }, interval: '10s' } };
      const put = await call('PUT', '/api/v1/checks/build-cpu', check);
      expect(put.status).toBeLessThan(300);
      const result = {
        check: put.body.metadata.uid,
        status: 'WARNING',
        value: 95,
        observedAt: new Date().toISOString(),
      };
      const posted = await fetch(`${server.url}/api/v1/check_history/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${agent.body.token}`, 'content-type': 'application/json' },
        body: JSON.stringify([result]),
      });
      expect(posted.status).toBe(200);
      await waitFor(
        async () => {
          const { body } = await call('GET', '/api/v1/checks/build-cpu');
          return body.status.agents.some((a: any) => a.agent === 'build-agent' && a.status === 'WARNING');
        },
        START_MS,
        () => server.output(),
      );
      expect(await server.stop()).toBe(0);

      const files = expectFromBuildOnly(modulesFile, build);
      const pglite = files.some((url) => url.includes('/node_modules/@electric-sql/pglite/'));
      expect(pglite).toBe(kind === 'pglite');
      expect(kubernetesChunks.length).toBeGreaterThan(0);
      expect(files.filter((url) => kubernetesChunks.includes(url))).toEqual([]);
    },
    2 * START_MS,
  );

  it.each(dbKinds(postgresUrl))(
    'folds a late result into its hour on %s (on PostgreSQL in the worker thread the build ships) and reads it back',
    async (kind) => {
      const server = await startBuilt(kind);
      const call = api(server.url, server.token);
      const agent = await call('POST', '/api/v1/agents', { name: 'late-agent' });
      const put = await call('PUT', '/api/v1/checks/late-cpu', {
        metadata: { name: 'late-cpu' },
        spec: { cpu: { above: 90 }, interval: '10s' },
      });
      expect(put.status).toBeLessThan(300);
      // Three hours old: no partition holds its hour, so it waits as a late result until the upkeep folds it.
      const observedAt = new Date(Date.now() - 3 * 3_600_000).toISOString();
      const posted = await fetch(`${server.url}/api/v1/check_history/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${agent.body.token}`, 'content-type': 'application/json' },
        body: JSON.stringify([
          { check: put.body.metadata.uid, status: 'OK', value: 12.5, message: 'late', observedAt },
        ]),
      });
      expect(posted.status).toBe(200);
      // The upkeep runs every 30 s; its log line counts what it folded.
      const folded = (): boolean =>
        server
          .output()
          .split('\n')
          .some((line) => line.includes('"msg":"result history kept"') && line.includes('"compacted":1,'));
      await waitFor(
        async () => folded(),
        START_MS,
        () => server.output(),
      );
      const { body } = await call('GET', '/api/v1/checks/late-cpu/results');
      expect(body.items).toEqual([{ agent: 'late-agent', status: 'OK', value: 12.5, message: 'late', observedAt }]);
      expect(await server.stop()).toBe(0);
      expect(server.output()).not.toContain('sweep failed');
    },
    2 * START_MS,
  );

  it('logs its agent for people on a terminal, as the sources do (only the one-file agent logs JSON there)', async () => {
    // `vilicus agent` and `vilicus up` from an install run this build; a pty makes stdout a terminal.
    const command = `VILICUS_TOKEN=x '${process.execPath}' '${join(build, 'main.js')}' agent --server http://127.0.0.1:1`;
    const onTerminal = program('/usr/bin/script', ['-qfec', command, '/dev/null']);
    const text = (): string => stripVTControlCharacters(onTerminal.output());
    await waitFor(
      async () => text().includes('vilicus agent starting'),
      START_MS,
      () => onTerminal.output(),
    );
    await onTerminal.stop();
    expect(text().split(/\r?\n/)[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: vilicus agent starting$/);
  });

  it('is what an installed vilicus runs (cli/vilicus.js under node_modules)', () => {
    const pkg = join(dir, 'install', 'node_modules', 'vilicus');
    for (const file of ['cli/vilicus.js', 'cli/node-version.js', 'package.json'])
      cpSync(new URL(`../../${file}`, import.meta.url), join(pkg, file), { recursive: true });
    cpSync(build, join(pkg, 'dist', 'vilicus-server'), { recursive: true });
    const modulesFile = join(dir, 'loaded-installed.json');
    const out = execFileSync(process.execPath, [`--import=${RECORDER}`, join(pkg, 'cli', 'vilicus.js'), 'version'], {
      env: { ...process.env, LOADED_MODULES_FILE: modulesFile },
      encoding: 'utf8',
    });
    expect(out.trim()).toBe(VERSION);
    expectFromBuildOnly(modulesFile, join(pkg, 'dist', 'vilicus-server'), [join(pkg, 'cli')]);
  });

  it(
    'runs its Kubernetes mode: a Check applied with kubectl is reconciled and its status written',
    async () => {
      envtest = await startEnvtest();
      const kubectl = kubectlFor(envtest.kubeconfig);
      const modulesFile = join(dir, 'loaded-kubernetes.json');
      const server = await startBuilt(dbKinds(postgresUrl).at(-1)!, {
        LOADED_MODULES_FILE: modulesFile,
        KUBECONFIG: envtest.kubeconfig,
        VILICUS_KUBERNETES: 'on',
        VILICUS_POD_NAME: 'server-build',
        VILICUS_POD_NAMESPACE: 'default',
      });
      const doc =
        'apiVersion: vilicus.dev/v1alpha1\nkind: Check\nmetadata: { name: from-kubectl }\nspec: { cpu: { above: 90 } }\n';
      await kubectl(['apply', '-f', '-'], doc);
      await waitFor(
        async () => {
          const status = JSON.parse(await kubectl(['get', 'check', 'from-kubectl', '-o', 'json'])).status;
          return (
            status?.observedGeneration === 1 &&
            status.conditions?.some((c: any) => c.type === 'Valid' && c.status === 'True')
          );
        },
        START_MS,
        () => server.output(),
      );
      const { body } = await api(server.url, server.token)('GET', '/api/v1/checks');
      expect(JSON.stringify(body)).toContain('from-kubectl');
      expect(await server.stop()).toBe(0);
      const files = expectFromBuildOnly(modulesFile, build);
      expect(files.filter((url) => kubernetesChunks.includes(url)).length).toBeGreaterThan(0);
    },
    3 * START_MS,
  );
});

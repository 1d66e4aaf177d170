// The images `npm run images` and `npm run images -- --cluster` built
// (images/README.md), run with podman the way the chart and the test cluster
// run them: read-only root, a numeric non-root user, no capabilities. On a
// developer's machine without them the suite is skipped with a message; in
// CI a missing image fails it. podman on these machines: --ulimit (no
// CAP_SYS_RESOURCE), --no-healthcheck (no systemd), --network=host or none.
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, freePort, waitFor } from '../../helpers/processes.ts';
import { service } from '../../helpers/tools.ts';
import { toolsDir } from '../../k8s/binaries.ts';

const exec = promisify(execFile);
const cache = join(toolsDir(), 'images');
const PODMAN = '/usr/bin/podman';

/** name -> archive, from a list the image scripts write (`<name>\t<MB>\t<archive>`). */
function listed(file: string): Map<string, string> {
  const path = join(cache, file);
  if (!existsSync(path)) return new Map();
  const lines = readFileSync(path, 'utf8').trim().split('\n').filter(Boolean);
  return new Map(lines.map((l) => l.split('\t')).map(([name, , archive]) => [name!, archive!]));
}

const version = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;
const images = new Map([...listed('product.list'), ...listed('cluster.list')]);
const image = {
  base: 'docker.io/library/node:24-slim',
  server: `docker.io/vilicus/server:${version}`,
  agent: `docker.io/vilicus/agent:${version}`,
  postgres: 'docker.io/library/postgres:17.6',
  pause: 'registry.k8s.io/pause:3.10.2',
  coredns: 'registry.k8s.io/coredns/coredns:v1.14.6',
};
const wanted = [image.server, image.agent, image.postgres, image.pause, image.coredns];
const missing = wanted.filter((name) => !existsSync(images.get(name) ?? '/nonexistent'));
const built = service(
  'podman and the built images',
  existsSync(PODMAN) && missing.length === 0,
  `missing: ${missing.join(', ') || PODMAN}; npm run images && npm run images -- --cluster`,
);

// runc, named, as images/lib.sh does: Debian's podman prefers crun, which refuses this machine's cgroups.
const podman = async (...args: string[]): Promise<string> =>
  (await exec(PODMAN, ['--runtime', '/usr/sbin/runc', ...args], { timeout: 120_000 })).stdout;
const limits = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', '--no-healthcheck'];
/** The chart's securityContext: read-only root, no capabilities, no privilege escalation. */
const locked = ['--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'];
const started: string[] = [];
let counter = 0;
const scratch: string[] = [];
const scratchDir = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
};

/** Starts a detached container named for this run; afterAll removes it. */
async function start(args: string[]): Promise<string> {
  const name = `vilicus-test-${process.pid}-${counter++}`;
  started.push(name);
  await podman('run', '-d', '--name', name, ...limits, ...args);
  return name;
}
/** For a timeout's message: what the container printed (waitFor wants it synchronously). */
const logs = (name: string) => (): string => {
  const out = spawnSync(PODMAN, ['logs', name], { encoding: 'utf8' });
  return `${out.stdout}${out.stderr}`;
};
const env = (vars: Record<string, string>): string[] => Object.entries(vars).flatMap(([k, v]) => ['-e', `${k}=${v}`]);

/** Removes containers a test is done with (the machine is small). */
async function remove(...names: string[]): Promise<void> {
  await podman('rm', '--force', '--time', '0', ...names);
  for (const name of names) started.splice(started.indexOf(name), 1);
}

/** /proc/<pid>/status of a container's main process, seen from the host. */
async function procStatus(name: string): Promise<string> {
  const pid = (await podman('inspect', '--format', '{{.State.Pid}}', name)).trim();
  return readFileSync(`/proc/${pid}/status`, 'utf8');
}

/**
 * A client whose connections come from 127.0.0.2: initdb trusts 127.0.0.1
 * (as the official image does, "trust authentication locally"), so only a
 * connection from another address meets the `host all all all` password rule.
 */
function fromElsewhere(config: pg.ClientConfig): pg.Client {
  const stream = (): Socket => {
    const socket = new Socket();
    const connect = socket.connect.bind(socket);
    Object.assign(socket, {
      connect: (port: number, host: string) => connect({ port, host, localAddress: '127.0.0.2' }),
    });
    return socket;
  };
  return new pg.Client({ ...config, stream });
}

/** What the agent image may hold (images/node-runtime.sh, Dockerfile.agent): anything else fails the test by name. */
const AGENT_IMAGE_FILES = [
  /^app\/(vilicus-agent\.cjs)?$/,
  /^usr\/local\/bin\/(node)?$/,
  /^(usr\/|usr\/local\/|usr\/share\/|usr\/lib\/|var\/|var\/lib\/|var\/lib\/dpkg\/|etc\/|etc\/ssl\/|etc\/ssl\/certs\/)$/,
  /^(lib|lib64|tmp)(\/|$)/,
  /^lib\/x86_64-linux-gnu\/[^/]+$/,
  /^usr\/lib\/x86_64-linux-gnu\/(libstdc\+\+\.so\.6(\.[\d.]+)?)?$/,
  /^usr\/share\/zoneinfo(\/|$)/,
  // libgcc-s1's and libstdc++6's are symbolic links to gcc-12-base's, as Debian ships them.
  /^usr\/share\/doc\/([^/]+(\/(copyright)?)?)?$/,
  /^var\/lib\/dpkg\/status\.d\/[^/]*$/,
  /^etc\/(passwd|group|ssl\/certs\/ca-certificates\.crt)$/,
];

/** Every path in a docker-archive's layers (`podman save` layout), without the leading `./`. */
async function imageFiles(archive: string): Promise<string[]> {
  const manifest = JSON.parse((await exec('tar', ['-xOf', archive, 'manifest.json'])).stdout) as { Layers: string[] }[];
  const files = new Set<string>();
  for (const layer of manifest[0]!.Layers) {
    const { stdout } = await exec('sh', ['-c', 'tar -xOf "$0" "$1" | tar -t', archive, layer], { maxBuffer: 64 << 20 });
    for (const line of stdout.split('\n')) if (line) files.add(line.replace(/^\.\//, ''));
  }
  return [...files].filter((f) => f !== '').sort();
}

/** The server image on loopback, as the chart runs it (data under /tmp). */
async function startServer(extra: Record<string, string>): Promise<{ url: string; token: string; name: string }> {
  const port = await freePort();
  const token = `vadm_built-images-${port}`;
  const vars = { VILICUS_PORT: String(port), VILICUS_HOST: '127.0.0.1', VILICUS_DATA_DIR: '/tmp/vilicus' };
  const all = { ...vars, VILICUS_ADMIN_TOKEN: token, VILICUS_KUBERNETES: 'off', ...extra };
  const name = await start(['--network=host', ...locked, ...env(all), image.server]);
  return { url: `http://127.0.0.1:${port}`, token, name };
}

describe.runIf(built.run)('the built images', () => {
  beforeAll(async () => {
    built.require();
    // The archive is the build under test: put it back if podman's tag moved.
    for (const name of wanted) {
      const archive = images.get(name)!;
      const id = await podman('image', 'inspect', '--format', '{{.Id}}', name).catch(() => '');
      if (id.trim() !== readFileSync(`${archive}.id`, 'utf8').trim()) await podman('load', '--quiet', '-i', archive);
    }
  }, 300_000);

  beforeEach(() => built.require());

  afterAll(async () => {
    // Newest first: a pod's pause container goes after the containers that share its namespaces.
    for (const name of started.reverse()) await podman('rm', '--force', '--time', '0', name).catch(() => '');
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it('server: answers /healthz and /readyz on its embedded database, read-only, as uid 1000', async () => {
    const server = await startServer({});
    await waitFor(async () => (await fetch(`${server.url}/readyz`)).ok, 90_000, logs(server.name));
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: 'ready' });
    expect(await procStatus(server.name)).toMatch(/^Uid:\t1000\t1000\t1000\t1000$/m);
    await remove(server.name);
  }, 120_000);

  it('agent: reports a host process to the server as nobody, read-only, without capabilities, hostPID', async () => {
    const server = await startServer({});
    await waitFor(async () => (await fetch(`${server.url}/readyz`)).ok, 90_000, logs(server.name));
    const call = api(server.url, server.token);
    const agent = await call('POST', '/api/v1/agents', { name: 'built-image-agent' });
    expect(agent.status).toBe(201);
    // pid 1 of the host belongs to root; the agent, as nobody, must still read its name.
    const pid1 = readFileSync('/proc/1/stat', 'utf8').replace(/^\d+ \((.*)\) .*$/s, '$1');
    const check = {
      apiVersion: 'vilicus.dev/v1alpha1',
      kind: 'Check',
      metadata: { name: 'host-pid-one' },
      spec: { process: { name: pid1, minCount: 1 }, interval: '1s' },
    };
    expect((await call('PUT', '/api/v1/checks/host-pid-one', check)).status).toBeLessThan(300);
    const vars = {
      VILICUS_SERVER: server.url,
      VILICUS_TOKEN: agent.body.token,
      VILICUS_AGENT_NAME: 'built-image-agent',
    };
    const name = await start([
      '--network=host',
      '--pid=host',
      '--user',
      '65534:65534',
      ...locked,
      ...env(vars),
      image.agent,
    ]);
    await waitFor(
      async () => {
        const { body } = await call('GET', '/api/v1/checks/host-pid-one');
        return body.status.agents.some((a: any) => a.agent === 'built-image-agent' && a.status === 'OK');
      },
      60_000,
      logs(name),
    );
    const status = await procStatus(name);
    expect(status).toMatch(/^Uid:\t65534\t65534\t65534\t65534$/m);
    expect(status).toMatch(/^CapEff:\t0+$/m);
    await remove(name, server.name);
  }, 150_000);

  it('agent: is at most 150 MB and holds the bundle, node and its libraries only (no node_modules)', async () => {
    expect(Number(await podman('image', 'inspect', '--format', '{{.Size}}', image.agent))).toBeLessThanOrEqual(150e6);
    const files = await imageFiles(images.get(image.agent)!);
    expect(files).toContain('app/vilicus-agent.cjs');
    expect(files).toContain('usr/local/bin/node');
    expect(files.filter((f) => f.includes('node_modules'))).toEqual([]);
    expect(files.filter((f) => !AGENT_IMAGE_FILES.some((allowed) => allowed.test(f)))).toEqual([]);
  }, 120_000);

  describe('postgres (Debian PostgreSQL 15 as the chart runs it: uid 999, read-only root)', () => {
    const password = `pw-${process.pid}`;
    let port = 0;
    let name = '';

    beforeAll(async () => {
      port = await freePort();
      const data = scratchDir('vilicus-pgdata-');
      chownSync(data, 999, 999); // the PVC with fsGroup 999
      const vars = {
        POSTGRES_USER: 'vilicus',
        POSTGRES_DB: 'vilicus',
        POSTGRES_PASSWORD: password,
        PGDATA: '/var/lib/postgresql/data/pgdata',
        PGPORT: String(port),
      };
      const mounts = ['-v', `${data}:/var/lib/postgresql/data`, '--tmpfs', '/var/run/postgresql', '--tmpfs', '/tmp'];
      const args = ['--network=host', '--read-only-tmpfs=false', '--user', '999:999', ...locked, ...mounts];
      // Loopback only: the host network is shared.
      name = await start([...args, ...env(vars), image.postgres, 'postgres', '-c', 'listen_addresses=127.0.0.1']);
      // The chart's readiness probe, as the kubelet runs it in the container.
      const probe = 'pg_isready -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"';
      await waitFor(async () => (await podman('exec', name, 'sh', '-c', probe), true), 90_000, logs(name));
    }, 120_000);

    it('accepts the POSTGRES_* user with its password on its database, and refuses another password', async () => {
      const config = { host: '127.0.0.1', port, user: 'vilicus', password, database: 'vilicus' };
      const client = fromElsewhere(config);
      await client.connect();
      try {
        const { rows } = await client.query(
          "select current_user, current_database(), host(inet_client_addr()) as peer, current_setting('server_version_num')::int / 10000 as major",
        );
        expect(rows).toEqual([{ current_user: 'vilicus', current_database: 'vilicus', peer: '127.0.0.2', major: 15 }]);
      } finally {
        await client.end();
      }
      const wrong = fromElsewhere({ ...config, password: 'wrong' });
      wrong.on('error', () => {});
      await expect(wrong.connect()).rejects.toMatchObject({ code: '28P01' });
    });

    it('is a database the server image migrates and reports ready on', async () => {
      const url = `postgres://vilicus:${password}@127.0.0.1:${port}/vilicus`;
      const server = await startServer({ DATABASE_URL: url });
      await waitFor(async () => (await fetch(`${server.url}/readyz`)).ok, 90_000, logs(server.name));
      expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: 'ready' });
    }, 120_000);
  });

  it('pause: reaps the orphans of its pod and exits 0 on SIGTERM', async () => {
    const pause = await start(['--network=none', ...locked, image.pause]);
    // A second container in the pause container's PID namespace, as a pod's containers are.
    const helper = await start([
      '--network=none',
      `--pid=container:${pause}`,
      ...locked,
      image.postgres,
      'sleep',
      '600',
    ]);
    // Its shell exits at once: the sleep is orphaned and handed to PID 1, the pause program.
    const orphan = (await podman('exec', helper, 'sh', '-c', 'sleep 2 & echo $!')).trim();
    const stat = async (): Promise<string> => podman('exec', helper, 'cat', `/proc/${orphan}/stat`);
    await waitFor(async () => (await stat()).split(') ')[1]!.split(' ')[1] === '1', 10_000);
    // A PID 1 that does not reap leaves it a zombie ("Z") for good.
    await waitFor(
      async () => !(await stat().catch(() => '')),
      30_000,
      () =>
        `still there: ${spawnSync(PODMAN, ['exec', helper, 'cat', `/proc/${orphan}/stat`], { encoding: 'utf8' }).stdout}`,
    );
    await podman('stop', '--time', '30', pause);
    expect((await podman('inspect', '--format', '{{.State.ExitCode}}', pause)).trim()).toBe('0');
  }, 120_000);

  it('coredns: has exactly the chosen plugins, binds :53 as 65532 with only NET_BIND_SERVICE, serves health and ready', async () => {
    const plugins = (await podman('run', '--rm', ...limits, '--network=none', image.coredns, '-plugins'))
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    // The chosen nine, and three that come with them (kubernetes brings metadata
    // and transfer, the cache's metrics the prometheus plugin). No forward.
    const chosen = ['cache', 'errors', 'health', 'kubernetes', 'loadbalance', 'log', 'loop', 'ready', 'reload'];
    expect(plugins).toEqual([...chosen, 'metadata', 'prometheus', 'transfer'].sort());
    expect(plugins).not.toContain('forward');

    const dir = scratchDir('vilicus-coredns-');
    mkdirSync(join(dir, 'conf'));
    const corefile =
      '.:53 {\n  errors\n  log\n  health :8080\n  ready :8181\n  cache 30\n  loop\n  reload\n  loadbalance\n}\n';
    writeFileSync(join(dir, 'conf', 'Corefile'), corefile);
    // kubeadm's securityContext for CoreDNS: drop ALL, add NET_BIND_SERVICE, read-only root.
    const caps = [
      '--read-only',
      '--cap-drop',
      'ALL',
      '--cap-add',
      'NET_BIND_SERVICE',
      '--security-opt',
      'no-new-privileges',
    ];
    const mount = ['-v', `${join(dir, 'conf')}:/etc/coredns:ro`];
    const dns = await start(['--network=none', ...caps, ...mount, image.coredns, '-conf', '/etc/coredns/Corefile']);
    // A client in the same network namespace (a pod's other container); nothing answers a name: SERVFAIL.
    const client = `
      const r = new (require('node:dns').promises.Resolver)({ tries: 1, timeout: 2000 });
      r.setServers(['127.0.0.1:53']);
      const http = (p) => fetch('http://127.0.0.1' + p).then(async (x) => x.status + ' ' + (await x.text()), (e) => e.message);
      Promise.all([r.resolve4('kubernetes.default.svc.cluster.local').then(String, (e) => e.code), http(':8080/health'), http(':8181/ready')])
        .then((out) => console.log(JSON.stringify(out)));`;
    const ask = async (): Promise<string[]> =>
      JSON.parse(
        await podman('run', '--rm', ...limits, `--network=container:${dns}`, image.base, 'node', '-e', client),
      );
    await waitFor(async () => (await ask())[2] === '200 OK', 60_000, logs(dns));
    expect(await ask()).toEqual(['ESERVFAIL', '200 OK', '200 OK']);
    const status = await procStatus(dns);
    expect(status).toMatch(/^Uid:\t65532\t65532\t65532\t65532$/m);
    // Its one capability, from the binary's file capability (upstream's setcap).
    expect(status).toMatch(/^CapEff:\t0000000000000400$/m);
  }, 150_000);
});

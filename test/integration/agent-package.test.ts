// The vilicus-agent npm package (cli/build-agent.ts), installed the way
// README's "Monitoring more hosts" says, into a fresh prefix: it holds the one
// bundled file and none of the server's dependencies, and the installed
// command reports a process on this host to a real server.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgent } from '../../cli/build-agent.ts';
import { api, killAll, program, startServerProcess, uniqueSleep, waitFor } from '../helpers/processes.ts';

const run = promisify(execFile);
const version = (await import('../../package.json', { with: { type: 'json' } })).default.version;

describe('the vilicus-agent package', () => {
  let dir: string;
  let prefix: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vilicus-agent-package-'));
    prefix = join(dir, 'prefix');
    await buildAgent(join(dir, 'build'));
    await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: join(dir, 'build') });
    // The documented command, into a prefix of its own instead of the global one.
    await run(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        `./vilicus-agent-${version}.tgz`,
      ],
      { cwd: dir },
    );
  }, 180_000);

  afterAll(async () => {
    await killAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs one file and no server dependency', () => {
    const installed = join(prefix, 'lib', 'node_modules', 'vilicus-agent');
    expect(readdirSync(installed).sort()).toEqual(
      [
        'README.md',
        'package.json',
        'vilicus-agent.cjs',
        ...(existsSync(join(installed, 'node_modules')) ? ['node_modules'] : []),
      ].sort(),
    );
    // systeminformation is optional (macOS, BSD and Windows list processes through it; Linux reads /proc).
    const deps = existsSync(join(installed, 'node_modules')) ? readdirSync(join(installed, 'node_modules')) : [];
    expect(deps.filter((name) => !name.startsWith('.') && name !== 'systeminformation')).toEqual([]);
  });

  it('runs as `vilicus-agent` and reports this host to a real server', async () => {
    const adminToken = 'vadm_agent-package-test';
    const server = await startServerProcess({ dataDir: join(dir, 'data'), adminToken });
    const call = api(server.url, adminToken);
    const { body: created } = await call('POST', '/api/v1/agents', { name: 'package-host' });
    const { marker } = uniqueSleep();
    const check = {
      metadata: { name: 'package-sleep' },
      spec: { process: { pattern: `^sleep ${marker.replaceAll('.', '\\.')}$`, minCount: 1 }, interval: '1s' },
    };
    expect((await call('PUT', '/api/v1/checks/package-sleep', check)).status).toBeLessThan(300);

    const bin = join(prefix, 'bin', 'vilicus-agent');
    expect((await run(bin, ['version'])).stdout).toBe(`${version}\n`);
    const agent = program(bin, ['--server', server.url, '--token', created.token, '--name', 'package-host']);
    await waitFor(
      async () => {
        const { body } = await call('GET', '/api/v1/checks/package-sleep');
        return body.status.agents.some((a: any) => a.agent === 'package-host' && a.status === 'OK');
      },
      120_000,
      () => `${agent.output()}\n${server.output()}`,
    );
    expect(await agent.stop()).toBe(0);
    expect(agent.output()).toContain('"msg":"vilicus agent starting"');
  }, 300_000);
});

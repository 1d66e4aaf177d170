// The one-file agent loads no Node built-in its cycle does not run: each one
// stays resident for the agent's life, its source and its compiled code
// (agent/README.md, "Resident memory"). The agent, as the image runs it,
// runs every kind of check the bench's host has against a real server; what
// it loaded beyond what Node loads for an empty script is then exactly the
// HTTP client and node:os.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgent } from '../../cli/build-agent.ts';
import { api, killAll, START_MS, startServerProcess, uniqueSleep, waitFor } from '../helpers/processes.ts';

/** Beyond an empty script's: node:http and what it stands on (net, streams), node:os, util.parseArgs (the settings). */
const AGENT_BUILTINS = [
  ...['http', '_http_agent', '_http_client', '_http_common', '_http_incoming', '_http_outgoing', '_http_server'],
  ...['internal/http', 'internal/freelist', 'internal/perf/observe', 'internal/perf/performance_entry'],
  ...['net', 'internal/stream_base_commons', 'internal/abort_controller', 'string_decoder'],
  ...['stream', 'stream/promises', 'internal/streams/add-abort-signal', 'internal/streams/compose'],
  ...['internal/streams/destroy', 'internal/streams/duplex', 'internal/streams/duplexpair'],
  ...['internal/streams/end-of-stream', 'internal/streams/from', 'internal/streams/legacy'],
  ...['internal/streams/operators', 'internal/streams/passthrough', 'internal/streams/pipeline'],
  ...['internal/streams/readable', 'internal/streams/state', 'internal/streams/transform'],
  ...['internal/streams/writable'],
  ...['os', 'internal/util/parse_args/parse_args', 'internal/util/parse_args/utils'],
].sort();

describe('the one-file agent', () => {
  let dir: string;
  let bundle: string;
  let preload: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vilicus-agent-builtins-'));
    bundle = (await buildAgent(join(dir, 'build'))).file;
    // Writes the built-ins loaded so far when the process exits; node:fs is loaded by Node itself.
    preload = join(dir, 'loaded.cjs');
    writeFileSync(
      preload,
      `process.on('exit', () => process.getBuiltinModule('node:fs').writeFileSync(process.env.LOADED_TO,
        process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join('\\n')));\n`,
    );
  }, 180_000);

  afterAll(async () => {
    await killAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs node with the preload on `args` until it exits by itself or on SIGTERM once `until` holds. */
  async function builtinsOf(name: string, args: string[], env: Record<string, string>, until?: () => Promise<boolean>) {
    const out = join(dir, `${name}.txt`);
    const child = spawn(process.execPath, ['-r', preload, ...args], {
      env: { ...process.env, ...env, LOADED_TO: out },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (until) {
      await waitFor(until, START_MS, () => output);
      child.kill('SIGTERM');
    }
    expect(await exited, output).toBe(0);
    return readFileSync(out, 'utf8').split('\n');
  }

  it('loads, beyond an empty script, only the HTTP client and node:os, after running every kind of check', async () => {
    const adminToken = 'vadm_agent-builtins-test';
    const server = await startServerProcess({ dataDir: join(dir, 'data'), adminToken });
    const call = api(server.url, adminToken);
    const { body: created } = await call('POST', '/api/v1/agents', { name: 'builtins-host' });
    const { marker } = uniqueSleep();
    const specs: Record<string, unknown> = {
      'builtins-process': { process: { pattern: `^sleep ${marker.replaceAll('.', '\\.')}$` }, interval: '1s' },
      'builtins-cpu': { cpu: { above: 100 }, interval: '1s' },
      'builtins-memory': { memory: { above: 100 }, interval: '1s' },
      'builtins-load': { load: { above: 1000 }, interval: '1s' },
      'builtins-disk': { disk: { path: '/', above: 100 }, interval: '1s' },
    };
    for (const [name, spec] of Object.entries(specs))
      expect((await call('PUT', `/api/v1/checks/${name}`, { metadata: { name }, spec })).status).toBeLessThan(300);

    const ranAll = async (): Promise<boolean> => {
      const { body } = await call('GET', '/api/v1/checks');
      const ran = body.items.filter((c: any) => c.status.agents.some((a: any) => a.agent === 'builtins-host'));
      return ran.length === Object.keys(specs).length;
    };
    const empty = join(dir, 'empty.cjs');
    writeFileSync(empty, '');
    const [script, agent] = [
      await builtinsOf('empty', [empty], {}),
      await builtinsOf('agent', [bundle, 'agent', '--server', server.url], { VILICUS_TOKEN: created.token }, ranAll),
    ];
    expect(agent.filter((m) => !script.includes(m)).sort()).toEqual(AGENT_BUILTINS);
    await server.stop();
  });
});

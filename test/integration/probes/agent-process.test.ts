// `vilicus agent` as a process. It runs with the agent's V8 flags
// (agent/v8-flags.ts): it replaces its own process with one started with
// them, so the pid that a service manager, a container runtime or this test
// holds is the agent's. And what it does with its stdout.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { AGENT_V8_FLAGS } from '../../../agent/v8-flags.ts';
import { killAll, vilicus, waitFor } from '../../helpers/processes.ts';
import { closedPort } from './endpoints.ts';

const argvOf = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);

describe('vilicus agent', () => {
  afterAll(killAll);

  it('is one process, re-run with the agent V8 flags, that stops cleanly on SIGTERM', async () => {
    const server = `http://127.0.0.1:${await closedPort()}`;
    const agent = vilicus(['agent', '--server', server], { VILICUS_TOKEN: 'not-checked-here' });
    const pid = agent.child.pid!;
    await waitFor(
      async () => argvOf(pid).includes(AGENT_V8_FLAGS[0]!),
      10_000,
      () => agent.output(),
    );
    const argv = argvOf(pid);
    expect(argv[0]).toBe(process.execPath);
    expect(argv.slice(1, 1 + AGENT_V8_FLAGS.length)).toEqual(AGENT_V8_FLAGS);
    expect(argv.slice(-3)).toEqual(['agent', '--server', server]);
    // It runs (nothing answers at that port) ...
    await waitFor(
      async () => agent.output().includes('config poll failed'),
      10_000,
      () => agent.output(),
    );
    // ... as the process that was started, which exits 0 on SIGTERM.
    expect(await agent.stop('SIGTERM')).toBe(0);
  });

  it('goes on when its stdout is gone (EPIPE), as it did with pino', async () => {
    const agent = vilicus(['agent', '--server', `http://127.0.0.1:${await closedPort()}`], { VILICUS_TOKEN: 't' });
    await waitFor(
      async () => agent.output().includes('config poll failed'),
      10_000,
      () => agent.output(),
    );
    agent.child.stdout!.destroy(); // the reading end: its next line fails with EPIPE
    await new Promise((r) => setTimeout(r, 2000)); // config polls fail, and are logged, every ~0.5-1 s
    expect(agent.child.exitCode).toBeNull();
    expect(await agent.stop('SIGTERM')).toBe(0);
  });
});

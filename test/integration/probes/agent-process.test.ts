// `vilicus agent` as a process: what it does with its stdout.
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, vilicus, waitFor } from '../../helpers/processes.ts';
import { closedPort } from './endpoints.ts';

describe('vilicus agent', () => {
  afterAll(killAll);

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

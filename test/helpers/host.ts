// A host the tests control, for the agent's --host-root: a folder with a
// proc/stat whose counters this process writes, so what the cpu probe sees
// does not depend on this machine's cores or load.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ControlledHost {
  /** Pass to the agent as --host-root (or VILICUS_HOST_ROOT). */
  root: string;
  /** All busy from now on, or all idle. */
  busy(on: boolean): void;
  stop(): void;
}

/** Makes proc/stat under `root`; its counters tick every 100 ms, all busy or all idle as told (idle at first). */
export function controlledHost(root: string): ControlledHost {
  mkdirSync(join(root, 'proc'));
  const counters = { busy: 0, idle: 0 };
  let busy = false;
  const write = (): void => {
    const line = `cpu  ${counters.busy} 0 0 ${counters.idle} 0 0 0 0 0 0\n`;
    // rename: the agent never reads a half-written file
    writeFileSync(join(root, 'proc', 'stat.new'), line);
    renameSync(join(root, 'proc', 'stat.new'), join(root, 'proc', 'stat'));
  };
  write();
  const tick = setInterval(() => {
    counters[busy ? 'busy' : 'idle'] += 10;
    write();
  }, 100);
  return { root, busy: (on) => (busy = on), stop: () => clearInterval(tick) };
}

// The record of a cluster `up` made, written as it goes so that `down` can
// undo a half-finished `up` too.
import { readFile, writeFile } from 'node:fs/promises';
import type { StartedProcess } from './components.ts';
import type { HostRecord } from './host.ts';
import { STATE_FILE } from './layout.ts';

export interface ClusterState {
  kubeconfig: string;
  /** True once `up` finished (node and CoreDNS Ready). */
  complete: boolean;
  host: HostRecord;
  processes: StartedProcess[];
}

export async function readState(): Promise<ClusterState | null> {
  try {
    return JSON.parse(await readFile(STATE_FILE, 'utf8')) as ClusterState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export async function saveState(state: ClusterState): Promise<void> {
  await writeFile(STATE_FILE, JSON.stringify(state, null, 2) + '\n');
}

/** Runs one phase of `up` or `down` and prints how long it took. */
export async function phase<T>(name: string, step: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await step();
  console.log(`  ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

// `npm run k8s:up` / `npm run k8s:down`: the tests' control plane, left
// running for kubectl, helm or a local vilicus server to use.
//   node test/k8s/cli.ts up     starts it detached and prints KUBECONFIG=<path>
//   node test/k8s/cli.ts down   stops it and removes its files
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEnvtest, type EnvtestProcess } from './envtest.ts';
import { isRunning, stopPid } from './processes.ts';

interface State {
  dir: string;
  kubeconfig: string;
  server: string;
  processes: EnvtestProcess[];
}

const root = join(process.env['XDG_RUNTIME_DIR'] || '/tmp', 'vilicus-envtest');
const stateFile = join(root, 'state.json');

async function up(): Promise<void> {
  const previous = await readState();
  if (previous && previous.processes.every((p) => isRunning(p.pid, p.binary))) {
    console.log(`already running at ${previous.server}`);
    printUsage(previous);
    return;
  }
  if (previous) await down(); // half dead: clean up before starting anew
  await mkdir(root, { recursive: true, mode: 0o700 });
  const started = Date.now();
  const env = await startEnvtest({ parentDir: root, detached: true });
  const state: State = { dir: env.dir, kubeconfig: env.kubeconfig, server: env.server, processes: env.processes() };
  await writeFile(stateFile, JSON.stringify(state, null, 2) + '\n');
  console.log(`etcd and kube-apiserver up at ${env.server} in ${Date.now() - started} ms (logs in ${env.dir})`);
  printUsage(state);
}

async function down(): Promise<void> {
  const state = await readState();
  if (!state) {
    console.log(`nothing to stop (no ${stateFile})`);
    return;
  }
  // envtest.processes() lists kube-apiserver before etcd: stop in that order.
  for (const p of state.processes) await stopPid(p.pid, p.binary);
  await rm(state.dir, { recursive: true, force: true });
  await rm(stateFile, { force: true });
  console.log(`stopped ${state.server} and removed ${state.dir}`);
}

function printUsage(state: State): void {
  console.log(`KUBECONFIG=${state.kubeconfig}`);
  console.log(`  export KUBECONFIG=${state.kubeconfig}; kubectl get ns     # stop with: npm run k8s:down`);
}

async function readState(): Promise<State | null> {
  try {
    return JSON.parse(await readFile(stateFile, 'utf8')) as State;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

const commands: Record<string, () => Promise<void>> = { up, down };
const command = commands[process.argv[2] ?? ''];
if (!command) {
  console.error('usage: node test/k8s/cli.ts up|down');
  process.exitCode = 2;
} else {
  await command();
}

// helm and kubectl as a user runs them, against the chart in charts/vilicus.
// A missing binary fails (resolveBinary says to run `npm run k8s:build`).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { touch } from '../../helpers/tools.ts';
import { resolveBinary } from '../../k8s/binaries.ts';

export const CHART = fileURLToPath(new URL('../../../charts/vilicus', import.meta.url));

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  [key: string]: any;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs to completion whatever the exit code; `run` below rejects on failure. */
export async function exec(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  input = '',
): Promise<RunResult> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // A command that exits without reading its input (helm, kubectl on an error) must not crash the run with EPIPE.
  child.stdin.on('error', () => undefined);
  child.stdin.end(input);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  return { code, stdout, stderr };
}

async function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}, input = ''): Promise<string> {
  const result = await exec(command, args, env, input);
  if (result.code !== 0)
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** helm with its own cache/config/data folders, so nothing of the machine's helm leaks in or out. */
export function helmClient(kubeconfig?: string): {
  run(args: string[]): Promise<string>;
  exec(args: string[]): Promise<RunResult>;
} {
  const home = mkdtempSync(join(tmpdir(), 'vilicus-helm-'));
  const env = {
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  const withConfig = (args: string[]): string[] => (kubeconfig ? ['--kubeconfig', kubeconfig, ...args] : args);
  const helm = (): string => {
    touch('helm');
    return resolveBinary('helm');
  };
  return {
    run: (args) => run(helm(), withConfig(args), env),
    exec: (args) => exec(helm(), withConfig(args), env),
  };
}

export function kubectlClient(kubeconfig: string): (args: string[], input?: string) => Promise<string> {
  return (args, input) => {
    touch('kubectl');
    return run(resolveBinary('kubectl'), ['--kubeconfig', kubeconfig, ...args], {}, input);
  };
}

/** `--set`-style values as helm arguments. */
export function setArgs(values: Record<string, string | number | boolean>): string[] {
  return Object.entries(values).flatMap(([k, v]) => ['--set', `${k}=${String(v)}`]);
}

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(d.errors[0]!.message);
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

/** The pod template of a workload, or null for other kinds. */
export function podSpecOf(o: K8sObject): { metadata: K8sObject['metadata']; spec: any } | null {
  return ['Deployment', 'DaemonSet', 'StatefulSet'].includes(o.kind) ? o.spec.template : null;
}

// Running the real Kubernetes clients from tests.
import { spawn } from 'node:child_process';
import { touch } from '../helpers/tools.ts';
import { resolveBinary } from './binaries.ts';

/** Runs a command to completion; rejects with its output on a non-zero exit. */
export async function run(command: string, args: string[], input?: string, env?: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(input ?? '');
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${stderr}${stdout}`);
  return stdout;
}

/** kubectl (the built one, matching the API server) against this kubeconfig. */
export function kubectlFor(kubeconfig: string): (args: string[], input?: string) => Promise<string> {
  return (args, input) => {
    touch('kubectl');
    return run(resolveBinary('kubectl'), ['--kubeconfig', kubeconfig, ...args], input);
  };
}

// Starts and stops the HTTP receiver process (test/helpers/http-receiver-process.ts)
// and reads what it received.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, nodeScript, waitFor, type Proc } from './processes.ts';

const SCRIPT = fileURLToPath(new URL('./http-receiver-process.ts', import.meta.url));

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The raw body, byte for byte as sent (signatures are over it). */
  body: string;
  receivedAt: string;
  /** What the receiver answered. */
  status: number;
}

export interface HttpReceiver {
  url: string;
  port: number;
  requests(): ReceivedRequest[];
  /** Ends the process and removes its file. */
  close(): Promise<void>;
}

/** `answers`: the statuses of the first requests (then 200). */
export async function startHttpReceiver(answers: number[] = []): Promise<HttpReceiver> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'vilicus-receiver-'));
  const file = join(dir, 'requests.jsonl');
  const proc: Proc = nodeScript(SCRIPT, [String(port), file, answers.join(',')]);
  await waitFor(
    async () => proc.output().includes('listening'),
    10_000,
    () => proc.output(),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: () =>
      existsSync(file)
        ? readFileSync(file, 'utf8')
            .split('\n')
            .filter((l) => l !== '')
            .map((l) => JSON.parse(l) as ReceivedRequest)
        : [],
    async close() {
      await proc.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Starts and stops the SMTP sink process (test/helpers/smtp-sink.ts) and
// reads what it received.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, START_MS, waitFor, type Proc } from './processes.ts';
import { acquire } from './tools.ts';

const SINK = fileURLToPath(new URL('./smtp-sink.ts', import.meta.url));

export interface ReceivedMail {
  from: string;
  /** Who authenticated (null without AUTH), and whether the session was TLS. */
  user: string | null;
  secure: boolean;
  to: string[];
  subject: string;
  text: string;
  html: string;
  receivedAt: string;
}

export interface SmtpSink {
  url: string;
  port: number;
  mails(): ReceivedMail[];
  /** Stops the server (an outage); start() brings it back on the same port. */
  stop(): Promise<void>;
  start(options?: { reject?: number }): Promise<void>;
  /** Stops the server for good and removes its mail file. */
  close(): Promise<void>;
}

export interface SinkSecurity {
  /** PEM files: the sink offers STARTTLS with them. */
  tls: { keyFile: string; certFile: string };
  /** Then AUTH is required over TLS, with exactly these credentials. */
  auth?: { user: string; pass: string };
}

/**
 * `host` is the address it listens on: loopback unless pods of the test
 * cluster must reach it (then the node's address, test/k8s/cluster).
 */
export async function startSmtpSink(
  options: { reject?: number; security?: SinkSecurity; host?: string } = {},
): Promise<SmtpSink> {
  const host = options.host ?? '127.0.0.1';
  const security = options.security
    ? {
        SMTP_SINK_TLS_KEY: options.security.tls.keyFile,
        SMTP_SINK_TLS_CERT: options.security.tls.certFile,
        ...(options.security.auth
          ? { SMTP_SINK_USER: options.security.auth.user, SMTP_SINK_PASS: options.security.auth.pass }
          : {}),
      }
    : {};
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'vilicus-smtp-'));
  const file = join(dir, 'mails.jsonl');
  let proc: { stop(): Promise<void> } | null = null;
  const start = async (opts: { reject?: number } = {}): Promise<void> => {
    const child = spawn(process.execPath, [SINK, String(port), file, host], {
      env: { ...process.env, SMTP_SINK_REJECT: String(opts.reject ?? 0), ...security },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const release = acquire('SMTP');
    proc = {
      stop: async () => {
        release();
        child.kill('SIGKILL');
        await exited;
      },
    };
    await waitFor(async () => out.includes('listening'), START_MS);
  };
  await start(options);
  const stop = async (): Promise<void> => {
    await proc?.stop();
    proc = null;
  };
  return {
    url: `smtp://${host}:${port}`,
    port,
    mails: () =>
      existsSync(file)
        ? readFileSync(file, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as ReceivedMail)
        : [],
    stop,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    start,
  };
}

export type { Proc };

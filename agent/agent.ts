// The agent's loop: each cycle poll the config (ETag), run what is due, post
// the results, check out. Stateless: everything it knows comes from the server,
// except results not yet acknowledged, which wait in a bounded spool.
import { hostname } from 'node:os';
import type { AgentCheck, ResultIn } from '../server/api/contract/index.ts';
import { createBackoff } from './backoff.ts';
import { RefusedError, type ServerClient } from './client.ts';
import type { Logger } from './log.ts';
import { createCycle, createProbes, runProbe, type ProbeRegistry } from './probes/index.ts';
import { dueChecks, msUntilNext } from './schedule.ts';
import { ResultSpool } from './spool.ts';

export interface AgentOptions {
  client: ServerClient;
  log: Logger;
  queueSize: number;
  version: string;
  /** How often to check in when no check is assigned. */
  idleMs?: number;
  postBatch?: number;
}

export class Agent {
  private readonly opts: Required<AgentOptions>;
  private readonly probes: ProbeRegistry = createProbes();
  private readonly spool: ResultSpool;
  private readonly backoff = createBackoff();
  private readonly lastRun = new Map<string, number>();
  private checks: AgentCheck[] = [];
  private etag: string | null = null;
  private agentId: string | null = null;
  private retryAt = 0;
  private stopping = false;
  private wake: (() => void) | null = null;

  constructor(options: AgentOptions) {
    this.opts = { idleMs: 30_000, postBatch: 1000, ...options };
    this.spool = new ResultSpool(options.queueSize);
  }

  /** Runs until stop(); resolves after the last post in flight is done. */
  async run(): Promise<void> {
    while (!this.stopping) {
      await this.cycle();
      if (this.stopping) break;
      const untilDue = msUntilNext(this.checks, this.lastRun, Date.now(), this.opts.idleMs);
      const waiting = this.spool.size > 0 || this.agentId === null;
      const untilRetry = waiting ? Math.max(0, this.retryAt - Date.now()) : Infinity;
      await this.sleep(Math.max(50, Math.min(untilDue, untilRetry)));
    }
    await this.flush(); // one last try for what is still queued
    this.opts.log.info({ unsent: this.spool.size, dropped: this.spool.dropped }, 'agent stopped');
  }

  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  private async cycle(): Promise<void> {
    if (!(await this.refreshConfig())) return;
    const due = dueChecks(this.checks, this.lastRun, Date.now());
    if (due.length > 0) this.enqueue(await this.runChecks(due));
    if (Date.now() >= this.retryAt && (await this.flush())) await this.checkOut();
  }

  private async refreshConfig(): Promise<boolean> {
    try {
      const fresh = await this.opts.client.config(this.etag);
      if (fresh) {
        this.checks = fresh.config.checks;
        this.etag = fresh.etag;
        this.agentId = fresh.config.agent.id;
        const ids = new Set(this.checks.map((c) => c.id));
        for (const id of this.lastRun.keys()) if (!ids.has(id)) this.lastRun.delete(id);
        this.opts.log.info({ checks: this.checks.length }, 'config loaded');
      }
      return true;
    } catch (error) {
      this.opts.log.warn({ err: (error as Error).message }, 'config poll failed; running the last known checks');
      if (this.agentId !== null) return true;
      this.retryAt = Date.now() + this.backoff.next(); // before the first config there is nothing to run
      return false;
    }
  }

  private async runChecks(due: AgentCheck[]): Promise<ResultIn[]> {
    const cycle = createCycle();
    const started = Date.now();
    return Promise.all(
      due.map(async (check) => {
        this.lastRun.set(check.id, started);
        const outcome = await runProbe(check, cycle, this.probes);
        return {
          id: crypto.randomUUID(),
          check: check.id,
          status: outcome.status,
          value: outcome.value,
          message: outcome.message,
          observedAt: new Date().toISOString(),
        };
      }),
    );
  }

  private enqueue(results: ResultIn[]): void {
    const dropped = this.spool.add(results);
    if (dropped > 0)
      this.opts.log.warn({ dropped, total: this.spool.dropped }, 'result queue full: dropped the oldest');
  }

  /** Sends everything queued; false when the server could not take it (retry later). */
  private async flush(): Promise<boolean> {
    while (this.spool.size > 0) {
      const batch = this.spool.peek(this.opts.postBatch);
      try {
        const reply = await this.opts.client.post(batch);
        if (reply.rejected.length > 0)
          this.opts.log.warn({ rejected: reply.rejected.slice(0, 5) }, 'server refused some results');
        this.spool.ack(batch);
        this.backoff.reset();
      } catch (error) {
        if (error instanceof RefusedError && error.status !== 401 && error.status !== 403) {
          // The server will never take this batch as it is: log it and move on.
          this.opts.log.error({ err: error.message, count: batch.length }, 'results refused; dropping them');
          this.spool.ack(batch);
          continue;
        }
        const delay = this.backoff.next();
        this.retryAt = Date.now() + delay;
        this.opts.log.warn({ err: (error as Error).message, queued: this.spool.size, retryInMs: delay }, 'post failed');
        return false;
      }
    }
    return true;
  }

  private async checkOut(): Promise<void> {
    if (!this.agentId) return;
    try {
      await this.opts.client.checkOut(this.agentId, { version: this.opts.version, hostname: hostname() });
    } catch (error) {
      this.opts.log.warn({ err: (error as Error).message }, 'check-out failed');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

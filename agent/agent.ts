// The agent's loop: each cycle poll the config (ETag), run what is due, post
// the results, check out. Stateless: everything it knows comes from the server,
// except results not yet acknowledged, which wait in a bounded spool.
import { hostname } from 'node:os';
import type { AgentCheck, ResultIn } from '../contract/index.ts';
import { createBackoff } from '../contract/backoff.ts';
import { RefusedError, type ServerClient } from './client.ts';
import { createHeapKeeper } from './heap.ts';
import type { Logger } from './log.ts';
import { createCycle, createProbes, runProbe, type ProbeRegistry } from './probes/index.ts';
import { dueChecks, msUntilNext, timerDelay } from './schedule.ts';
import { ResultSpool } from './spool.ts';

export interface AgentOptions {
  client: ServerClient;
  log: Logger;
  queueSize: number;
  version: string;
  /** How often to check in when no check is assigned. */
  idleMs?: number;
  postBatch?: number;
  /**
   * JSON bytes per post at most: half the server's default body limit (1 MiB).
   * A server with a smaller limit answers 413, and the batch is split.
   */
  postBytes?: number;
  /** How long a cycle waits for its probes before it posts what it has (see runChecks). */
  cycleWaitMs?: number;
  /** The probes (default: all kinds, on this host). */
  probes?: ProbeRegistry;
}

export class Agent {
  private readonly opts: Required<Omit<AgentOptions, 'probes'>>;
  private readonly probes: ProbeRegistry;
  private readonly spool: ResultSpool;
  private readonly backoff = createBackoff();
  private readonly lastRun = new Map<string, number>();
  /** Probes still running, by check id: a check is never started twice at once. */
  private readonly running = new Map<string, Promise<void>>();
  private checks: AgentCheck[] = [];
  private etag: string | null = null;
  private agentId: string | null = null;
  private retryAt = 0;
  private stopping = false;
  /** Results the server refused on their own merits (never a whole batch): logged, and counted here. */
  refused = 0;
  private wake: (() => void) | null = null;
  private readonly heap = createHeapKeeper();

  constructor(options: AgentOptions) {
    const { probes, ...rest } = options;
    // With nothing to run, still poll the config (a 304 costs little) so new checks start within seconds.
    this.opts = { idleMs: 5_000, postBatch: 1000, postBytes: 512 * 1024, cycleWaitMs: 1000, ...rest };
    this.probes = probes ?? createProbes();
    this.spool = new ResultSpool(options.queueSize);
  }

  /** Runs until stop(); resolves after the last post in flight is done. */
  async run(): Promise<void> {
    while (!this.stopping) {
      await this.cycle();
      if (this.stopping) break;
      this.heap.afterCycle();
      const idle = this.checks.filter((c) => !this.running.has(c.id)); // a running one wakes the loop when done
      const untilDue = msUntilNext(idle, this.lastRun, Date.now(), this.opts.idleMs);
      const waiting = this.spool.size > 0 || this.agentId === null;
      const untilRetry = waiting ? Math.max(0, this.retryAt - Date.now()) : Infinity;
      await this.sleep(timerDelay(Math.min(untilDue, untilRetry), 50));
    }
    await waitAtMost(Promise.all(this.running.values()), this.opts.cycleWaitMs);
    await this.flush(); // one last try for what is still queued
    this.opts.log.info(
      { unsent: this.spool.size, dropped: this.spool.dropped, refused: this.refused },
      'agent stopped',
    );
  }

  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  private async cycle(): Promise<void> {
    if (!(await this.refreshConfig())) return;
    const due = dueChecks(this.checks, this.lastRun, Date.now()).filter((c) => !this.running.has(c.id));
    if (due.length > 0) await this.runChecks(due);
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

  /**
   * Starts the due probes together and waits for them up to cycleWaitMs. A
   * probe still running then (a slow endpoint, up to its timeout) does not
   * hold back this cycle's post or the check-in: its result is queued when it
   * is done and the loop wakes to send it.
   */
  private async runChecks(due: AgentCheck[]): Promise<void> {
    const cycle = createCycle();
    const started = Date.now();
    let cycleOver = false;
    const runs = due.map(async (check) => {
      this.lastRun.set(check.id, started);
      const outcome = await runProbe(check, cycle, this.probes);
      this.enqueue([
        {
          check: check.id,
          status: outcome.status,
          value: outcome.value,
          message: outcome.message,
          observedAt: new Date().toISOString(),
        },
      ]);
      this.running.delete(check.id);
      if (cycleOver) this.wake?.();
    });
    due.forEach((check, i) => this.running.set(check.id, runs[i]!));
    await waitAtMost(Promise.all(runs), this.opts.cycleWaitMs);
    cycleOver = true;
  }

  private enqueue(results: ResultIn[]): void {
    const dropped = this.spool.add(results);
    if (dropped > 0)
      this.opts.log.warn({ dropped, total: this.spool.dropped }, 'result queue full: dropped the oldest');
  }

  /** Sends everything queued; false when the server could not take it (retry later). */
  private async flush(): Promise<boolean> {
    while (this.spool.size > 0) {
      try {
        await this.send(this.spool.peek(this.opts.postBatch, this.opts.postBytes));
        this.backoff.reset();
      } catch (error) {
        const delay = this.backoff.next();
        this.retryAt = Date.now() + delay;
        this.opts.log.warn({ err: (error as Error).message, queued: this.spool.size, retryInMs: delay }, 'post failed');
        return false;
      }
    }
    return true;
  }

  /**
   * Posts a batch. One the server refuses whole (413 too large, 400 for one
   * bad result among many) is split in halves until each part is taken, so
   * only a result refused alone is dropped. Throws what is worth retrying
   * (network, 5xx, 429) and 401/403 (the token, not the results).
   */
  private async send(batch: ResultIn[]): Promise<void> {
    try {
      const reply = await this.opts.client.post(batch);
      this.spool.ack(batch);
      if (reply.rejected.length > 0) this.countRefused(reply.rejected.length, reply.rejected.slice(0, 5));
    } catch (error) {
      if (!(error instanceof RefusedError) || error.status === 401 || error.status === 403) throw error;
      if (batch.length === 1) {
        this.spool.ack(batch);
        this.countRefused(1, (error as Error).message);
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await this.send(batch.slice(0, half));
      await this.send(batch.slice(half));
    }
  }

  private countRefused(count: number, why: unknown): void {
    this.refused += count;
    this.opts.log.error({ count, total: this.refused, why }, 'server refused results; dropped them');
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

/** Resolves when `work` does or after `ms`, whichever comes first (runProbe never rejects). */
function waitAtMost(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([work.then(() => undefined), timeout]).finally(() => clearTimeout(timer));
}

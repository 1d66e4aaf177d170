// The `process` probe: how many live processes match a name and/or a
// command-line pattern, against a minimum and an optional maximum.
import type { ProcessProbe, Status } from '../../contract/index.ts';
import { compilePattern } from '../../contract/process-pattern.ts';
import type { Cycle, Probe, ProbeOutcome, ProcessCheck } from './probe.ts';
import { monotonicMs } from './deadline.ts';
import type { ProcessEntry } from './proc-table.ts';

/** A ProcessProbe with its pattern compiled. */
export interface ProcessMatcher {
  readonly name?: string | undefined;
  readonly pattern?: RegExp | undefined;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * comm is what `ps -e` and top show, but it holds only 15 characters and a
 * program may rename it: Node ≥ 24 names its main thread, and so its comm,
 * "MainThread" (nodejs/node#56416). So a name also matches the base name of
 * argv[0], which is how names longer than 15 characters match at all. Like
 * pgrep, a 15-character name also matches a longer comm truncated to it.
 */
export function matchesName(entry: ProcessEntry, name: string): boolean {
  if (entry.comm === name) return true;
  const argv0 = entry.argv?.[0];
  return argv0 !== undefined && baseName(argv0) === name;
}

function matches(entry: ProcessEntry, matcher: ProcessMatcher): boolean {
  if (matcher.name !== undefined && !matchesName(entry, matcher.name)) return false;
  // Kernel threads have no command line; no pattern is meant for them.
  if (matcher.pattern !== undefined && !(entry.argv?.length && matcher.pattern.test(entry.argv.join(' ')))) {
    return false;
  }
  return true;
}

/**
 * How long matching may hold the event loop before it yields. Each match is
 * bounded (process-pattern.ts), but hundreds of long command lines can add up
 * to seconds: between slices the agent checks in, posts and hears SIGTERM.
 */
const SLICE_MS = 5;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Zombies run nothing, and the agent itself must not count (a pattern may well match its own argv).
 * Stops with the signal's reason when it aborts (the agent is stopping).
 */
export async function countMatches(
  entries: readonly ProcessEntry[],
  matcher: ProcessMatcher,
  selfPid: number,
  signal?: AbortSignal,
): Promise<number> {
  let count = 0;
  let sliceStart = monotonicMs();
  for (const entry of entries) {
    if (entry.pid !== selfPid && !entry.zombie && matches(entry, matcher)) count++;
    if (monotonicMs() - sliceStart > SLICE_MS) {
      await nextTurn();
      signal?.throwIfAborted();
      sliceStart = monotonicMs();
    }
  }
  return count;
}

function describe(count: number, spec: ProcessProbe): string {
  const noun = count === 1 ? 'process' : 'processes';
  const name = spec.name === undefined ? '' : ` named "${spec.name}"`;
  const pattern = spec.pattern === undefined ? '' : ` matching /${spec.pattern}/`;
  return `${count} ${noun}${name}${pattern}`;
}

/** The bound that was crossed, in words; null when the count is within bounds. */
function violation(count: number, min: number, max: number | undefined): string | null {
  const exactly = max === min ? `want exactly ${min}` : null;
  if (max !== undefined && count > max) return max === 0 ? 'want none' : (exactly ?? `want at most ${max}`);
  if (count < min) return exactly ?? `want at least ${min}`;
  return null;
}

/** CRITICAL outside [minCount, maxCount], with the bound in the message so nobody has to open the config. */
export function processStatus(count: number, spec: ProcessProbe): { status: Status; message: string } {
  const crossed = violation(count, spec.minCount ?? 1, spec.maxCount);
  if (crossed === null) return { status: 'OK', message: describe(count, spec) };
  return { status: 'CRITICAL', message: `${describe(count, spec)} (${crossed})` };
}

/** The server validates patterns too; this guards against an older server or a hand-edited config. */
function compile(pattern: string): RegExp | string {
  try {
    return compilePattern(pattern);
  } catch (err) {
    return `invalid pattern /${pattern}/: ${(err as Error).message}`;
  }
}

export interface ProcessProbeOptions {
  /** The agent's own pid, never counted; a parameter so tests can pose as another process. */
  readonly selfPid?: number;
  /** Aborts when the agent stops: a long match gives up rather than keep the process alive. */
  readonly signal?: AbortSignal;
}

export function createProcessProbe(options: ProcessProbeOptions = {}): Probe<ProcessCheck> {
  const selfPid = options.selfPid ?? process.pid;
  // One compile per distinct pattern for the agent's life; configs hold few.
  const compiled = new Map<string, RegExp | string>();
  const regexFor = (pattern: string): RegExp | string => {
    let regex = compiled.get(pattern);
    if (regex === undefined) compiled.set(pattern, (regex = compile(pattern)));
    return regex;
  };

  return {
    kind: 'process',
    async run(check: ProcessCheck, cycle: Cycle): Promise<ProbeOutcome> {
      const spec = check.process;
      if (spec.name === undefined && spec.pattern === undefined) {
        return { status: 'UNKNOWN', value: null, message: 'process check has neither a name nor a pattern' };
      }
      const pattern = spec.pattern === undefined ? undefined : regexFor(spec.pattern);
      if (typeof pattern === 'string') return { status: 'UNKNOWN', value: null, message: pattern };

      // Every name check needs argv too (see matchesName): one cmdline read per process, ~5 ms per
      // cycle at 500 processes, shared by all process checks of the cycle.
      const entries = await cycle.processes({ argv: true });
      const count = await countMatches(entries, { name: spec.name, pattern }, selfPid, options.signal);
      return { ...processStatus(count, spec), value: count };
    },
  };
}

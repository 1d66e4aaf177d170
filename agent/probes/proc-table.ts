// The process table, read the cheapest way the platform allows. On Linux that
// is /proc directly: systeminformation.processes() spawns ps plus one `cat`
// per process (~770 ms CPU with its children at 575 processes, 0.9 s wall at
// 522 here), and the agent scans every cycle.
//
// Sync reads on purpose. Measured on the dev box (Linux 6.18, 2 vCPU, Node
// 24.21, 522–538 processes, mean of 30–50 scans, CPU = user + system):
//   readFileSync  stat            ≈ 6 ms CPU  (comm alone ≈ 4.3 ms)
//   readFileSync  stat + cmdline  ≈ 11 ms CPU
//   fs.promises   stat            ≈ 37 ms CPU (26 ms wall)
//   fs.promises   stat + cmdline  ≈ 80–93 ms CPU (55–64 ms wall)
// Async costs 6–8× the CPU: each file is several thread-pool round trips and
// promise allocations, while the kernel's work is the same. The price of sync
// is the event loop held for ~6–11 ms per cycle, which an agent that only
// probes and posts can afford.
//
// We read /proc/<pid>/stat rather than /proc/<pid>/comm: it carries the same
// comm (unescaped, same 15-char truncation) *and* the state we need to skip
// zombies, in one open/read/close. Reading comm and stat both costs ≈ 9.5 ms.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** One process as the probes see it. */
export interface ProcessEntry {
  readonly pid: number;
  /** The kernel's name for the process; Linux truncates it to 15 characters. */
  readonly comm: string;
  /** The command line; null when the scan was asked not to read it. */
  readonly argv: readonly string[] | null;
  /** Exited but not yet reaped: it holds a pid but runs nothing. */
  readonly zombie: boolean;
}

export interface ScanOptions {
  /** Read each process's command line (one more file per process on Linux). */
  readonly argv: boolean;
}

export interface ProcessSource {
  scan(options: ScanOptions): Promise<ProcessEntry[]>;
  /** Fills in argv for entries scanned without it, so a later check in the same cycle need not rescan. */
  withArgv(entries: readonly ProcessEntry[]): Promise<ProcessEntry[]>;
}

export function hasProcfs(): boolean {
  return existsSync('/proc/stat');
}

/** `pid (comm) S …`: comm may hold spaces and parentheses, so the last `)` ends it. */
export function parseStat(text: string): { comm: string; state: string } | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const state = text.charAt(close + 2);
  if (open < 0 || close < open || state === '') return null;
  return { comm: text.slice(open + 1, close), state };
}

/** NUL-separated argv. Programs that rewrite their title often pad with NULs, so trailing ones go. */
export function parseCmdline(raw: string): string[] {
  const trimmed = raw.replace(/\0+$/, '');
  return trimmed === '' ? [] : trimmed.split('\0');
}

/** A process that exits between readdir and our read shows up as ENOENT (open) or ESRCH (read). */
function readIfAlive(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return null;
    throw err;
  }
}

function readArgv(root: string, pid: number): string[] | null {
  const raw = readIfAlive(`${root}/${pid}/cmdline`);
  return raw === null ? null : parseCmdline(raw);
}

function readEntry(root: string, pid: number, options: ScanOptions): ProcessEntry | null {
  const stat = readIfAlive(`${root}/${pid}/stat`);
  // An empty read also means the process went away mid-read.
  const parsed = stat === null ? null : parseStat(stat);
  if (parsed === null) return null;
  const zombie = parsed.state === 'Z';
  // A zombie's cmdline is empty; reading it would only cost a syscall.
  if (zombie || !options.argv) return { pid, comm: parsed.comm, argv: zombie ? [] : null, zombie };
  const argv = readArgv(root, pid);
  return argv === null ? null : { pid, comm: parsed.comm, argv, zombie };
}

function listPids(root: string): number[] {
  return readdirSync(root)
    .filter((name) => /^[0-9]+$/.test(name))
    .map(Number);
}

function scanSync(root: string, options: ScanOptions): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const pid of listPids(root)) {
    const entry = readEntry(root, pid, options);
    if (entry !== null) entries.push(entry);
  }
  return entries;
}

function withArgvSync(root: string, entries: readonly ProcessEntry[]): ProcessEntry[] {
  const filled: ProcessEntry[] = [];
  for (const entry of entries) {
    const argv = entry.argv ?? readArgv(root, entry.pid);
    if (argv !== null) filled.push({ ...entry, argv });
  }
  return filled;
}

/** Linux: every numeric entry of /proc. `root` is a parameter so tests can point it at a fixture tree. */
export function procfsSource(root = '/proc'): ProcessSource {
  return {
    // Executors turn a thrown I/O error into a rejection rather than a throw at the caller.
    scan: (options) => new Promise((resolve) => resolve(scanSync(root, options))),
    withArgv: (entries) => new Promise((resolve) => resolve(withArgvSync(root, entries))),
  };
}

/**
 * Elsewhere (macOS, BSD, Windows): systeminformation, which spawns ps. ps
 * prints one command line, not argv, and si's split of it into command and
 * params is a guess; so argv is that line split on spaces, argv[0] its first
 * word. (A path with spaces in it breaks that; Linux never takes this path.)
 */
export function systeminformationSource(): ProcessSource {
  return {
    async scan(): Promise<ProcessEntry[]> {
      // Loaded only here: Linux agents never need it (~10 MiB of resident memory).
      const { default: si } = await import('systeminformation');
      const { list } = await si.processes();
      return list.map((p) => ({
        pid: p.pid,
        comm: p.name,
        argv: `${p.path ? `${p.path}/` : ''}${p.command} ${p.params}`.split(' ').filter(Boolean),
        zombie: p.state === 'zombie',
      }));
    },
    withArgv(entries: readonly ProcessEntry[]): Promise<ProcessEntry[]> {
      return Promise.resolve([...entries]);
    },
  };
}

let defaultSource: ProcessSource | undefined;

/** Decided once per agent: whether /proc exists does not change while we run. */
export function defaultProcessSource(): ProcessSource {
  defaultSource ??= hasProcfs() ? procfsSource() : systeminformationSource();
  return defaultSource;
}

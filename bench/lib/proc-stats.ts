// CPU time and memory of processes, read from /proc the same way for vilicus
// and for its peers, so the numbers compare like with like.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

interface StatFields {
  ppid: number;
  /** utime + stime of the process itself, ms. */
  cpuMs: number;
  /** cutime + cstime: its children that exited and were reaped, ms. */
  childrenCpuMs: number;
}

function readStat(pid: number): StatFields | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // gone
  }
  // The name (field 2) may hold spaces and parentheses: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const tick = (i: number): number => (Number(fields[i]) * 1000) / TICKS_PER_SECOND;
  // fields[0] is field 3 (state): utime is field 14, so index 11.
  return { ppid: Number(fields[1]), cpuMs: tick(11) + tick(12), childrenCpuMs: tick(13) + tick(14) };
}

/** Resident memory in MiB (VmRSS), 0 when the process is gone. */
export function rssMiB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The process and all its descendants (PostgreSQL's backends are children of the postmaster). */
export function processTree(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) parentOf.set(Number(entry), stat.ppid);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parentOf) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

export interface Usage {
  cpuMs: number;
  rssMiB: number;
}

/** CPU so far (including reaped children) and current RSS of a process tree. */
export function treeUsage(root: number): Usage {
  let cpuMs = 0;
  let rss = 0;
  for (const pid of processTree(root)) {
    const stat = readStat(pid);
    if (!stat) continue;
    cpuMs += stat.cpuMs + (pid === root ? stat.childrenCpuMs : 0);
    rss += rssMiB(pid);
  }
  return { cpuMs, rssMiB: rss };
}

/** Samples a process tree: CPU used between start() and stop(), RSS peak and mean. */
export function sampler(root: number, everyMs = 1000) {
  const first = treeUsage(root);
  const rss: number[] = [first.rssMiB];
  const timer = setInterval(() => rss.push(treeUsage(root).rssMiB), everyMs);
  const startedAt = performance.now();
  return {
    stop(): { cpuMs: number; wallMs: number; rssPeakMiB: number; rssMeanMiB: number } {
      clearInterval(timer);
      const last = treeUsage(root);
      rss.push(last.rssMiB);
      return {
        cpuMs: last.cpuMs - first.cpuMs,
        wallMs: performance.now() - startedAt,
        rssPeakMiB: Math.max(...rss),
        rssMeanMiB: rss.reduce((a, b) => a + b, 0) / rss.length,
      };
    },
  };
}

/** How many processes the host runs now. */
export function processCount(): number {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length;
}

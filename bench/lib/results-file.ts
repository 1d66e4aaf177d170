// bench/RESULTS.md: the numbers with the machine, the date and the command,
// so a reader can tell a slower machine from a slower vilicus.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { Mode } from './setup.ts';
import type { Summary } from './stats.ts';

const GOALS: Record<string, string> = {
  ingest_ratio_vs_raw: '≥ 0.5',
  seed_post_ratio_vs_naive: '≥ 6',
  agent_cpu_ms_per_cycle: '≤ 25',
  agent_rss_mib: '≤ 45',
  long_p99_ms: '< 100',
  long_lost: '0',
  ingest_lost: '0',
};

function machine(): string[] {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const postgres = execFileSync('sh', ['-c', 'ls /usr/lib/postgresql | sort -n | tail -1']).toString().trim();
  return [
    `- CPU: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores (nproc)`,
    `- memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- load average when the run ended: ${load}`,
    `- Node ${process.version}, PostgreSQL ${postgres} (local cluster, fsync and synchronous_commit on)`,
  ];
}

export function resultsMarkdown(summary: Summary, mode: Mode, args: string[]): string {
  const rows = summary.lines.map(([name, value]) => `| ${name} | ${value} | ${GOALS[name] ?? ''} |`);
  return [
    '# Benchmark results',
    '',
    `Date: ${new Date().toISOString()}  `,
    `Command: \`npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}\` (mode: ${mode})`,
    '',
    '## Machine',
    '',
    ...machine(),
    '- shared: 2 cores, and other test suites may have been running at the same time; prefer the ratios,',
    '  which compare two things measured in the same run, over the absolute rates',
    '',
    '## Summary',
    '',
    '| name | value | goal |',
    '| --- | --- | --- |',
    ...rows,
    '',
    ...(summary.notes.length > 0 ? ['## Notes', '', ...summary.notes.map((n) => `- ${n}`), ''] : []),
    'See bench/README.md for what each line measures.',
    '',
  ].join('\n');
}

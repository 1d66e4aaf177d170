import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProcessProbe } from '../../../../contract/index.ts';
import { createCycle, type Cycle, type ProbeOutcome } from '../../../../agent/probes/probe.ts';
import { parseCmdline, type ProcessEntry } from '../../../../agent/probes/proc-table.ts';
import {
  countMatches,
  createProcessProbe,
  matchesName,
  processStatus,
  type ProcessMatcher,
} from '../../../../agent/probes/process.ts';
import { proc, processCheck } from './fixtures.ts';

const SELF = 4242;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('matchesName', () => {
  it.each([
    // short name equals comm
    [proc(1, 'nginx', null), 'nginx', true],
    // short name differs from comm and argv[0]
    [proc(1, 'nginx', ['/usr/sbin/nginx']), 'apache2', false],
    // comm is compared exactly, not as a prefix
    [proc(1, 'nginx', null), 'ngin', false],
    // a program that renamed its comm (Node ≥ 24: "MainThread") matches through argv[0]
    [proc(1, 'MainThread', ['/usr/bin/node', 'server.js']), 'node', true],
    // a script run directly: comm is the script, argv[0] its interpreter; both names match
    [proc(1, 'backup.sh', ['/bin/sh', './backup.sh']), 'backup.sh', true],
    [proc(1, 'backup.sh', ['/bin/sh', './backup.sh']), 'sh', true],
    // a rewritten title (setproctitle) still matches by comm
    [proc(1, 'nginx', ['nginx: worker process']), 'nginx', true],
    // a 15-char name matches a longer binary's truncated comm, as in ps and pgrep
    [proc(1, 'systemd-journal', null), 'systemd-journal', true],
    // a 16-char name matches through the base name of argv[0]
    [proc(1, 'systemd-journal', ['/usr/lib/systemd/systemd-journald']), 'systemd-journald', true],
    // ... also when argv[0] has no directory
    [proc(1, 'systemd-journal', ['systemd-journald', '--flag']), 'systemd-journald', true],
    // a long name never matches the truncated comm alone
    [proc(1, 'systemd-journal', null), 'systemd-journald', false],
    // a long name with a different argv[0]
    [proc(1, 'systemd-journal', ['/usr/lib/systemd/systemd-journalx']), 'systemd-journald', false],
    // a kernel thread has no argv[0]
    [proc(1, 'kthreadd', []), 'kthread', false],
  ])('%j named %j → %s', (entry, name, expected) => {
    expect(matchesName(entry, name)).toBe(expected);
  });
});

describe('countMatches', () => {
  const table: ProcessEntry[] = [
    proc(10, 'nginx', ['nginx: master process /usr/sbin/nginx']),
    proc(11, 'nginx', ['nginx: worker process']),
    proc(12, 'nginx', ['nginx: worker process']),
    proc(13, 'nginx', [], true), // a zombie worker
    proc(20, 'sleep', ['sleep', '300']),
    proc(21, 'kthreadd', []),
    proc(30, 'MainThread', ['/usr/bin/node', 'server.js']), // Node ≥ 24 renames its comm
    proc(SELF, 'node', ['node', 'agent/main.ts', '--match', 'nginx: worker']),
  ];

  it.each<[string, ProcessMatcher, number]>([
    // every live nginx, the zombie left out
    ['name', { name: 'nginx' }, 3],
    // pattern against argv joined by spaces
    ['pattern', { pattern: /^nginx: worker/ }, 2],
    // name and pattern must both match
    ['name and pattern', { name: 'nginx', pattern: /master/ }, 1],
    // a pattern matching the agent's own argv does not count the agent
    ['own process', { pattern: /nginx: worker/ }, 2],
    // node found through argv[0], the agent (also node) left out
    ['own name', { name: 'node' }, 1],
    // argv joined by single spaces
    ['joined argv', { pattern: /^sleep 300$/ }, 1],
    // kernel threads have no command line to match
    ['kernel thread', { pattern: /kthreadd|^$/ }, 0],
    // nothing matches
    ['no match', { name: 'postgres' }, 0],
  ])('%s', async (_row, matcher, expected) => {
    expect(await countMatches(table, matcher, SELF)).toBe(expected);
  });
});

describe('processStatus', () => {
  it.each<[number, ProcessProbe, string, string]>([
    // none running, default minCount 1
    [0, { name: 'nginx' }, 'CRITICAL', '0 processes named "nginx" (want at least 1)'],
    // exactly the default minimum
    [1, { name: 'nginx' }, 'OK', '1 process named "nginx"'],
    // more than the minimum, no maximum
    [2, { name: 'nginx' }, 'OK', '2 processes named "nginx"'],
    // one below minCount
    [1, { name: 'nginx', minCount: 2 }, 'CRITICAL', '1 process named "nginx" (want at least 2)'],
    // at minCount
    [2, { name: 'nginx', minCount: 2 }, 'OK', '2 processes named "nginx"'],
    // at maxCount
    [3, { name: 'nginx', maxCount: 3 }, 'OK', '3 processes named "nginx"'],
    // one above maxCount
    [4, { name: 'nginx', maxCount: 3 }, 'CRITICAL', '4 processes named "nginx" (want at most 3)'],
    // minCount 0: nothing running is fine
    [0, { name: 'nginx', minCount: 0 }, 'OK', '0 processes named "nginx"'],
    // must not run at all
    [1, { name: 'miner', minCount: 0, maxCount: 0 }, 'CRITICAL', '1 process named "miner" (want none)'],
    // must not run, and does not
    [0, { name: 'miner', minCount: 0, maxCount: 0 }, 'OK', '0 processes named "miner"'],
    // an exact count, below
    [1, { name: 'w', minCount: 2, maxCount: 2 }, 'CRITICAL', '1 process named "w" (want exactly 2)'],
    // an exact count, above
    [3, { name: 'w', minCount: 2, maxCount: 2 }, 'CRITICAL', '3 processes named "w" (want exactly 2)'],
    // pattern only
    [0, { pattern: '^sleep' }, 'CRITICAL', '0 processes matching /^sleep/ (want at least 1)'],
    // name and pattern
    [1, { name: 'nginx', pattern: 'master' }, 'OK', '1 process named "nginx" matching /master/'],
  ])('%i with %j → %s', (count, spec, status, message) => {
    expect(processStatus(count, spec)).toEqual({ status, message });
  });
});

function fixedCycle(entries: ProcessEntry[]): Cycle {
  return { processes: () => Promise.resolve(entries) };
}

describe('process probe', () => {
  it('reports an invalid pattern as UNKNOWN with the compile error', async () => {
    const outcome = await createProcessProbe().run(processCheck({ pattern: 'nginx(' }), fixedCycle([]));
    expect(outcome).toEqual({
      status: 'UNKNOWN',
      value: null,
      message: expect.stringMatching(/^invalid pattern \/nginx\(\/: .*Unterminated group/),
    });
  });

  it('reports a spec with neither name nor pattern as UNKNOWN', async () => {
    const outcome = await createProcessProbe().run(processCheck({}), fixedCycle([]));
    expect(outcome.status).toBe('UNKNOWN');
  });

  it('asks the cycle for command lines, which name matching needs too', async () => {
    const cycle = { processes: vi.fn(() => Promise.resolve([proc(5, 'nginx')])) };
    await createProcessProbe({ selfPid: SELF }).run(processCheck({ name: 'nginx' }), cycle);
    expect(cycle.processes.mock.calls).toEqual([[{ argv: true }]]);
  });

  it('returns the count as value', async () => {
    const cycle = fixedCycle([proc(5, 'nginx'), proc(6, 'nginx')]);
    const outcome = await createProcessProbe({ selfPid: SELF }).run(
      processCheck({ name: 'nginx', maxCount: 1 }),
      cycle,
    );
    expect(outcome).toEqual({ status: 'CRITICAL', value: 2, message: '2 processes named "nginx" (want exactly 1)' });
  });
});

describe('process probe against this machine', () => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];

  afterEach(() => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function start(command: string, args: string[]): ChildProcess {
    const child = spawn(command, args, { stdio: 'ignore' });
    children.push(child);
    return child;
  }

  const run = (spec: ProcessProbe): Promise<ProbeOutcome> =>
    createProcessProbe().run(processCheck(spec), createCycle());

  it('counts a spawned sleep by pattern, and reports CRITICAL once it is killed', async () => {
    const marker = `299.${Math.floor(Math.random() * 1e9)}`;
    const pattern = `^sleep ${escapeRegExp(marker)}$`;
    const child = start('sleep', [marker]);
    await vi.waitFor(async () => expect((await run({ pattern })).value).toBe(1));

    child.kill();
    await once(child, 'exit');
    expect(await run({ pattern })).toEqual({
      status: 'CRITICAL',
      value: 0,
      message: `0 processes matching /${pattern}/ (want at least 1)`,
    });
  });

  it('matches a name longer than 15 characters through argv[0]', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vilicus-probe-'));
    dirs.push(dir);
    // Node's binary under a long name: the kernel truncates its comm (which Node ≥ 24 then renames
    // "MainThread"); argv[0] keeps the whole name.
    const name = `vilicus-long-name-${process.pid}`;
    symlinkSync(process.execPath, join(dir, name));
    start(join(dir, name), ['-e', 'setTimeout(() => {}, 300_000)']);

    await vi.waitFor(async () => expect(await run({ name })).toMatchObject({ status: 'OK', value: 1 }));
  });

  it('never counts the agent itself', async () => {
    // Other test workers may share this command line, so compare counts with and without the exclusion.
    const argv = parseCmdline(readFileSync('/proc/self/cmdline', 'utf8'));
    const check = processCheck({ pattern: `^${argv.map(escapeRegExp).join(' ')}$` });
    const cycle = createCycle();
    const asAgent = await createProcessProbe().run(check, cycle);
    const asOutsider = await createProcessProbe({ selfPid: -1 }).run(check, cycle);
    expect(asOutsider.value).toBe((asAgent.value ?? NaN) + 1);
  });
});

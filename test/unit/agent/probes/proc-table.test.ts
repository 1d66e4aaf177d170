import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import si from 'systeminformation';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCycle } from '../../../../agent/probes/probe.ts';
import {
  parseCmdline,
  parseStat,
  procfsSource,
  systeminformationSource,
  type ProcessEntry,
  type ProcessSource,
  type ScanOptions,
} from '../../../../agent/probes/proc-table.ts';
import { proc } from './fixtures.ts';

describe('parseStat', () => {
  it.each([
    // the common case
    ['1234 (nginx) S 1 1234 1234 0 -1', { comm: 'nginx', state: 'S' }],
    // a zombie
    ['77 (defunct) Z 1 77 77 0 -1', { comm: 'defunct', state: 'Z' }],
    // comm with spaces and parentheses: the last ")" closes it
    ['42 (my (odd) name) R 1 42', { comm: 'my (odd) name', state: 'R' }],
    // comm may even contain ") S " — still the last ")" wins
    ['43 (a) S (b) D 1 43', { comm: 'a) S (b', state: 'D' }],
    // empty read: the process exited while we read
    ['', null],
    // no state after comm: truncated read
    ['44 (x)', null],
  ])('parses %j', (text, expected) => {
    expect(parseStat(text)).toEqual(expected);
  });
});

describe('parseCmdline', () => {
  it.each([
    // NUL-separated, NUL-terminated
    ['/usr/sbin/nginx\0-g\0daemon off;\0', ['/usr/sbin/nginx', '-g', 'daemon off;']],
    // kernel threads and zombies have no command line
    ['', []],
    // setproctitle-style padding: trailing NULs go
    ['nginx: worker process\0\0\0\0', ['nginx: worker process']],
    // an empty argument in the middle is kept
    ['prog\0\0last\0', ['prog', '', 'last']],
    // no trailing NUL (a process that rewrote its argv)
    ['postgres: checkpointer', ['postgres: checkpointer']],
  ])('splits %j', (raw, expected) => {
    expect(parseCmdline(raw)).toEqual(expected);
  });
});

describe('procfsSource on a fixture tree', () => {
  let root: string;

  function pidDir(pid: number | string, files: Record<string, string>): void {
    mkdirSync(join(root, String(pid)));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(root, String(pid), name), text);
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'vilicus-proc-'));
    pidDir(1, { stat: '1 (systemd) S 0 1', cmdline: '/sbin/init\0splash\0' });
    pidDir(42, { stat: '42 (my (odd) name) R 1 42', cmdline: 'odd\0' });
    pidDir(77, { stat: '77 (defunct) Z 1 77' });
    pidDir(88, {}); // vanished before we read stat
    pidDir(99, { stat: '99 (quick) S 1 99' }); // vanished between stat and cmdline
    pidDir(100, { stat: '' }); // exited mid-read
    pidDir('self', { stat: 'not a pid' });
    writeFileSync(join(root, 'stat'), 'cpu 1 2 3 4');
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  const byPid = (entries: ProcessEntry[]): ProcessEntry[] => [...entries].sort((a, b) => a.pid - b.pid);

  it('lists numeric entries with comm only, skipping vanished pids, when argv is not needed', async () => {
    expect(byPid(await procfsSource(root).scan({ argv: false }))).toEqual([
      proc(1, 'systemd', null),
      proc(42, 'my (odd) name', null),
      proc(77, 'defunct', [], true),
      proc(99, 'quick', null),
    ]);
  });

  it('reads argv when asked and drops a process whose cmdline vanished', async () => {
    expect(byPid(await procfsSource(root).scan({ argv: true }))).toEqual([
      proc(1, 'systemd', ['/sbin/init', 'splash']),
      proc(42, 'my (odd) name', ['odd']),
      proc(77, 'defunct', [], true),
    ]);
  });

  it('tops up a comm-only scan with argv', async () => {
    const source = procfsSource(root);
    const filled = await source.withArgv(await source.scan({ argv: false }));
    expect(byPid(filled)).toEqual(byPid(await source.scan({ argv: true })));
  });

  it('rejects on errors other than a vanished process', async () => {
    mkdirSync(join(root, '101', 'stat'), { recursive: true }); // EISDIR
    await expect(procfsSource(root).scan({ argv: false })).rejects.toThrow(/EISDIR/);
  });
});

describe('procfsSource on this machine', () => {
  it('finds this test process with its command line', async () => {
    const entries = await procfsSource().scan({ argv: true });
    const self = entries.find((e) => e.pid === process.pid);
    expect(self?.zombie).toBe(false);
    expect(self?.argv?.length).toBeGreaterThan(0);
    expect(entries.length).toBeGreaterThan(1);
  });
});

describe('systeminformationSource', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('maps ps rows to entries, splitting the command line on spaces', async () => {
    const row = (pid: number, name: string, path: string, command: string, params: string, state = 'sleeping') => ({
      pid,
      name,
      path,
      command,
      params,
      state,
    });
    vi.spyOn(si, 'processes').mockResolvedValue({
      list: [
        row(1, 'launchd', '/sbin', 'launchd', ''),
        row(2, 'nginx', '/usr/local/bin', 'nginx', '-g daemon off;'),
        row(3, 'sleep', '', 'sleep 8', ''), // si could not split command from params
        row(4, 'defunct', '', 'defunct', '', 'zombie'),
      ],
    } as unknown as si.Systeminformation.ProcessesData);

    expect(await systeminformationSource().scan({ argv: false })).toEqual([
      proc(1, 'launchd', ['/sbin/launchd']),
      proc(2, 'nginx', ['/usr/local/bin/nginx', '-g', 'daemon', 'off;']),
      proc(3, 'sleep', ['sleep', '8']),
      proc(4, 'defunct', ['defunct'], true),
    ]);
  });
});

describe('createCycle', () => {
  interface Counter {
    scans: ScanOptions[];
    topUps: number;
  }

  function countingSource(counter: Counter): ProcessSource {
    return {
      scan: (options) => {
        counter.scans.push(options);
        return Promise.resolve([proc(1, 'init', options.argv ? ['init'] : null)]);
      },
      withArgv: (entries) => {
        counter.topUps++;
        return Promise.resolve(entries.map((e) => ({ ...e, argv: [e.comm] })));
      },
    };
  }

  const newCounter = (): Counter => ({ scans: [], topUps: 0 });

  it('scans nothing until a process check asks', () => {
    const counter = newCounter();
    createCycle(countingSource(counter));
    expect(counter.scans).toEqual([]);
  });

  it('scans once for several comm-only checks', async () => {
    const counter = newCounter();
    const cycle = createCycle(countingSource(counter));
    await Promise.all([cycle.processes({ argv: false }), cycle.processes({ argv: false })]);
    expect(counter.scans).toEqual([{ argv: false }]);
  });

  it('serves a comm-only check from an earlier argv scan', async () => {
    const counter = newCounter();
    const cycle = createCycle(countingSource(counter));
    const full = await cycle.processes({ argv: true });
    expect(await cycle.processes({ argv: false })).toBe(full);
    expect(counter.scans).toEqual([{ argv: true }]);
  });

  it('tops up an earlier comm-only scan instead of rescanning when argv is needed', async () => {
    const counter = newCounter();
    const cycle = createCycle(countingSource(counter));
    await cycle.processes({ argv: false });
    expect(await cycle.processes({ argv: true })).toEqual([proc(1, 'init')]);
    await cycle.processes({ argv: true });
    expect(counter).toEqual({ scans: [{ argv: false }], topUps: 1 });
  });

  it('scans afresh in the next cycle', async () => {
    const counter = newCounter();
    await createCycle(countingSource(counter)).processes({ argv: false });
    await createCycle(countingSource(counter)).processes({ argv: false });
    expect(counter.scans).toHaveLength(2);
  });
});

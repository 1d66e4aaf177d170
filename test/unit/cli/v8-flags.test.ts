import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_V8_FLAGS } from '../../../agent/v8-flags.ts';
import { LINEAR_REGEXP_FLAGS } from '../../../contract/process-pattern.ts';
import { serverEnvironment, serverV8Flags } from '../../../server/v8-flags.ts';
import { cannotExecute, missingV8Flags } from '../../../cli/v8-flags.ts';

describe('missingV8Flags', () => {
  it('all of them for a plain `node vilicus agent`', () => {
    expect(missingV8Flags(AGENT_V8_FLAGS, [], undefined)).toEqual(AGENT_V8_FLAGS);
    expect(missingV8Flags(AGENT_V8_FLAGS, ['--enable-source-maps'], '--no-warnings')).toEqual(AGENT_V8_FLAGS);
  });

  it('none once the process runs with them (so the re-exec happens once)', () => {
    expect(missingV8Flags(AGENT_V8_FLAGS, [...AGENT_V8_FLAGS], undefined)).toEqual([]);
  });

  it('not one that node’s command line or NODE_OPTIONS sets, whatever its value or spelling', () => {
    const rest = ['--expose-gc', ...LINEAR_REGEXP_FLAGS];
    expect(missingV8Flags(AGENT_V8_FLAGS, ['--max-opt=3'], '')).toEqual(['--max-semi-space-size=1', ...rest]);
    expect(missingV8Flags(AGENT_V8_FLAGS, ['--max_opt=2'], '')).toEqual(['--max-semi-space-size=1', ...rest]);
    expect(missingV8Flags(AGENT_V8_FLAGS, [], '--max-semi-space-size=16 --no-warnings')).toEqual([
      '--max-opt=1',
      ...rest,
    ]);
    expect(missingV8Flags(AGENT_V8_FLAGS, ['--max-opt=3', '--no-expose-gc'], ' --max-semi-space-size=16 ')).toEqual([
      ...LINEAR_REGEXP_FLAGS,
    ]);
  });

  it('not a boolean one that is turned off by its --no- form', () => {
    expect(missingV8Flags(['--max-semi-space-size=2', '--liftoff-only'], [], '--no-liftoff-only')).toEqual([
      '--max-semi-space-size=2',
    ]);
    expect(missingV8Flags(['--liftoff-only'], ['--no-liftoff_only'], '')).toEqual([]);
  });
});

describe('serverV8Flags', () => {
  it('gives TurboFan only the hottest functions of PGlite in embedded mode', () => {
    expect(serverV8Flags(true)).toEqual(['--max-semi-space-size=2', '--wasm-tiering-budget=100000000']);
    // a user's own budget wins (Node's is 13,000,000)
    expect(missingV8Flags(serverV8Flags(true), ['--wasm-tiering-budget=13000000'], '')).toEqual([
      '--max-semi-space-size=2',
    ]);
  });

  it('bounds the young generation and the heap growth on PostgreSQL', () => {
    expect(serverV8Flags(false)).toEqual(['--max-semi-space-size=16', '--heap-growing-percent=50']);
    // a user's own young-generation size wins
    expect(missingV8Flags(serverV8Flags(false), [], '--max-semi-space-size=64')).toEqual(['--heap-growing-percent=50']);
  });

  it('gives the server one malloc arena on either database, and a fixed mmap threshold embedded', () => {
    expect(serverEnvironment(false)).toEqual({ MALLOC_ARENA_MAX: '1' });
    expect(serverEnvironment(true)).toEqual({ MALLOC_ARENA_MAX: '1', MALLOC_MMAP_THRESHOLD_: '65536' });
  });
});

describe('cannotExecute', () => {
  it('allows node itself, and says why for a file that is not executable or not there', () => {
    expect(cannotExecute(process.execPath)).toBeNull();
    const dir = mkdtempSync(join(tmpdir(), 'vilicus-exec-'));
    const plain = join(dir, 'plain');
    writeFileSync(plain, 'not a program', { mode: 0o644 }); // no x bit: not even root may execute it
    try {
      expect(cannotExecute(plain)).toBe(`cannot execute ${plain} (EACCES)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(cannotExecute('/nonexistent/node')).toMatch(/\(ENOENT\)$/);
  });
});

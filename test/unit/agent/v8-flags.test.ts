import { describe, expect, it } from 'vitest';
import { AGENT_V8_FLAGS, missingV8Flags } from '../../../agent/v8-flags.ts';

describe('missingV8Flags', () => {
  it('all of them for a plain `node vilicus agent`', () => {
    expect(missingV8Flags([], undefined)).toEqual(AGENT_V8_FLAGS);
    expect(missingV8Flags(['--enable-source-maps'], '--no-warnings')).toEqual(AGENT_V8_FLAGS);
  });

  it('none once the process runs with them (so the re-exec happens once)', () => {
    expect(missingV8Flags([...AGENT_V8_FLAGS], undefined)).toEqual([]);
  });

  it('not one that node’s command line or NODE_OPTIONS sets, whatever its value or spelling', () => {
    expect(missingV8Flags(['--max-opt=3'], '')).toEqual(['--max-semi-space-size=1']);
    expect(missingV8Flags(['--max_opt=2'], '')).toEqual(['--max-semi-space-size=1']);
    expect(missingV8Flags([], '--max-semi-space-size=16 --no-warnings')).toEqual(['--max-opt=1']);
    expect(missingV8Flags(['--max-opt=3'], ' --max-semi-space-size=16 ')).toEqual([]);
  });
});

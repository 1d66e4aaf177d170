import { describe, expect, it } from 'vitest';
import { jsonLines } from '../../../agent/log.ts';

describe('the agent’s JSON lines', () => {
  const logged = (min: number): { lines: string[]; log: ReturnType<typeof jsonLines> } => {
    const lines: string[] = [];
    return { lines, log: jsonLines(min, { app: 'vilicus-agent', agent: 'h1' }, (line) => lines.push(line)) };
  };

  it('are pino’s: level, time, the base fields, the call’s fields, msg; one per line', () => {
    const { lines, log } = logged(30);
    const before = Date.now();
    log.warn({ err: 'connect ECONNREFUSED', queued: 3 }, 'post failed');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('}\n')).toBe(true);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(line)).toEqual(['level', 'time', 'app', 'agent', 'err', 'queued', 'msg']);
    expect(line).toMatchObject({ level: 40, app: 'vilicus-agent', agent: 'h1', queued: 3, msg: 'post failed' });
    expect(line.time).toBeGreaterThanOrEqual(before);
  });

  it('leave out what is below the level', () => {
    const { lines, log } = logged(40);
    log.info({}, 'config loaded');
    log.warn({}, 'post failed');
    log.error({}, 'results refused');
    expect(lines.map((l) => (JSON.parse(l) as { level: number }).level)).toEqual([40, 50]);
  });
});

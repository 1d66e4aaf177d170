import { describe, expect, it } from 'vitest';
import {
  agentInterval,
  chooseAgent,
  deadlineAfterOutage,
  matchesSelector,
  missingDeadline,
  type AgentPresence,
} from '../../../server/domain/agents.ts';

const lastSeen = new Date('2025-03-01T12:00:00.000Z');

describe('deadlineAfterOutage', () => {
  const at = (time: string): Date => new Date(`2025-03-01T${time}Z`);
  it.each<[string, string, string, string, number, string]>([
    // a 90 s window outlives a 20 s outage: it moves by the outage
    ['a long window moves by the outage', '12:01:30', '12:00:10', '12:00:30', 31_000, '12:01:50.000'],
    // a 3 s window would end inside the outage: it gets the grace after the recovery
    ['a short window gets the grace', '12:00:13', '12:00:10', '12:00:30', 31_000, '12:01:01.000'],
    // no deadline falls before the recovery plus the grace, even one past before the outage began
    ['a deadline before the outage', '12:00:05', '12:00:10', '12:00:30', 0, '12:00:30.000'],
    // a one-second blip earns four seconds, not the whole grace
    ['a blip gets a short grace', '12:00:11', '12:00:10', '12:00:11', 31_000, '12:00:15.000'],
    // no outage (a clock that went backwards counts as none)
    ['a zero-length outage', '12:01:00', '12:00:30', '12:00:30', 0, '12:01:00.000'],
    ['a negative outage', '12:01:00', '12:00:40', '12:00:30', 0, '12:01:00.000'],
  ])('%s', (_name, deadline, lastReached, recovered, graceMs, expected) => {
    const moved = deadlineAfterOutage(at(deadline), at(lastReached), at(recovered), graceMs);
    expect(moved.toISOString()).toBe(`2025-03-01T${expected}Z`);
  });
});

describe('missingDeadline', () => {
  it.each<[string, number, number, string]>([
    // the default: three silent 30s intervals
    ['3 x 30s', 30, 3, '2025-03-01T12:01:30.000Z'],
    // one interval
    ['1 x 10s', 10, 1, '2025-03-01T12:00:10.000Z'],
    // a fractional interval (1500ms checks)
    ['2 x 1.5s', 1.5, 2, '2025-03-01T12:00:03.000Z'],
    // a long interval crosses the hour
    ['3 x 1h', 3600, 3, '2025-03-01T15:00:00.000Z'],
  ])('marks an agent missing after %s of silence', (_name, intervalSeconds, factor, deadline) => {
    expect(missingDeadline(lastSeen, intervalSeconds, factor).toISOString()).toBe(deadline);
  });

  it('does not change the last-seen date it was given', () => {
    const seen = new Date(lastSeen);
    missingDeadline(seen, 30, 3);
    expect(seen).toEqual(lastSeen);
  });
});

describe('agentInterval', () => {
  it.each<[string, number[], number]>([
    // no checks: the fallback paces the agent
    ['uses the fallback when the agent has no checks', [], 30],
    // one check
    ['uses the only check interval', [60], 60],
    // the most frequent check wins, even below the fallback
    ['uses the shortest interval of several checks', [60, 10, 300], 10],
    // the fallback does not cap a longer interval
    ['ignores the fallback when all checks are slower', [120, 600], 120],
  ])('%s', (_name, intervals, expected) => {
    expect(agentInterval(intervals, 30)).toBe(expected);
  });
});

describe('matchesSelector', () => {
  const labels = { zone: 'eu-1', role: 'db', tier: '' };
  it.each<[string, Record<string, string> | undefined, boolean]>([
    // no selector: every agent
    ['matches every agent when there is no selector', undefined, true],
    // empty matchLabels: every agent
    ['matches every agent when matchLabels is empty', {}, true],
    // one label equal
    ['matches when the one label has that value', { role: 'db' }, true],
    // every label equal
    ['matches when every label has its value', { role: 'db', zone: 'eu-1' }, true],
    // a label with an empty value, present
    ['matches an empty value when the label is present and empty', { tier: '' }, true],
    // one label differs
    ['does not match when a label has another value', { role: 'web' }, false],
    // one of two labels differs
    ['does not match when one of several labels differs', { role: 'db', zone: 'us-1' }, false],
    // the agent lacks the label
    ['does not match when the agent lacks the label', { rack: 'r1' }, false],
    // an empty value does not match a missing label
    ['does not match an empty value when the label is missing', { rack: '' }, false],
    // values are compared exactly
    ['does not match a value that differs only in case', { role: 'DB' }, false],
  ])('%s', (_name, matchLabels, expected) => {
    expect(matchesSelector(labels, matchLabels)).toBe(expected);
  });
});

describe('chooseAgent (agents: any)', () => {
  const agent = (id: string, extra: Partial<AgentPresence> = {}): AgentPresence => ({
    id,
    labels: {},
    missing: false,
    seen: true,
    ...extra,
  });
  const ids = Array.from({ length: 8 }, (_, i) => `00000000-0000-4000-8000-00000000000${i}`);
  const fleet = ids.map((id) => agent(id));
  const checks = Array.from({ length: 400 }, (_, i) => `check-${i}`);

  it.each<[string, AgentPresence[], Record<string, string>, string | null]>([
    // nobody to run it
    ['no agents', [], {}, null],
    // the only candidate
    ['one agent', [agent('a')], {}, 'a'],
    // a missing agent never runs it
    ['only a missing agent', [agent('a', { missing: true })], {}, null],
    // the selector still applies
    ['no agent matches the selector', [agent('a', { labels: { role: 'db' } })], { role: 'web' }, null],
    ['one of two matches the selector', [agent('a'), agent('b', { labels: { role: 'web' } })], { role: 'web' }, 'b'],
    // an agent that has checked in beats one registered but never started
    ['a seen agent over a never-seen one', [agent('a', { seen: false }), agent('b')], {}, 'b'],
    // with none seen yet, a never-seen agent may take it (a fresh install's first poll)
    ['a never-seen agent when none was seen', [agent('a', { seen: false })], {}, 'a'],
  ])('picks for %s', (_name, agents, matchLabels, expected) => {
    expect(chooseAgent('check-1', matchLabels, agents)).toBe(expected);
  });

  it('gives the same answer whatever the order of the agents', () => {
    for (const check of checks.slice(0, 50)) {
      expect(chooseAgent(check, {}, [...fleet].reverse())).toBe(chooseAgent(check, {}, fleet));
    }
  });

  it('moves only the checks of an agent that goes missing, and moves them back when it returns', () => {
    const before = new Map(checks.map((c) => [c, chooseAgent(c, {}, fleet)]));
    const gone = ids[3]!;
    const without = fleet.map((a) => (a.id === gone ? { ...a, missing: true } : a));
    for (const check of checks) {
      const now = chooseAgent(check, {}, without);
      if (before.get(check) === gone) expect(now).not.toBe(gone);
      else expect(now).toBe(before.get(check));
    }
    expect(new Map(checks.map((c) => [c, chooseAgent(c, {}, fleet)]))).toEqual(before);
  });

  it('spreads checks over the agents', () => {
    const perAgent = new Map<string, number>();
    for (const check of checks) {
      const id = chooseAgent(check, {}, fleet)!;
      perAgent.set(id, (perAgent.get(id) ?? 0) + 1);
    }
    // 400 checks over 8 agents: 50 each on average; every agent gets a fair share
    expect(perAgent.size).toBe(8);
    for (const count of perAgent.values()) expect(count).toBeGreaterThan(25);
  });
});

import { describe, expect, it } from 'vitest';
import type { StateRow } from '../../../server/db/checks.repository.ts';
import { checkStatus, healthEvent, MAX_FAILING } from '../../../server/k8s/check-status.ts';
import { microTime } from '../../../server/k8s/leader.ts';

const now = new Date('2026-11-25T12:00:00Z');
const state = (agent: string, status: StateRow['status'], pending: StateRow['pending'] = null): StateRow => ({
  checkId: 'c',
  agent,
  status,
  since: '2026-11-25T11:00:00.000Z',
  message: `${status} on ${agent}`,
  value: 1,
  lastResultAt: null,
  pending,
});
/** A CRITICAL waiting for its window since 11:59, counting at 12:04 (times as the repository gives them: isoText). */
const critPending = {
  status: 'CRITICAL' as const,
  since: '2026-11-25T11:59:00.000Z',
  countsAt: '2026-11-25T12:04:00.000Z',
  message: 'CPU 100.0% busy',
};
const input = (states: StateRow[], extra: object = {}) => ({
  generation: 3,
  probe: 'process',
  problems: [],
  states,
  previous: undefined,
  now,
  ...extra,
});

describe('checkStatus', () => {
  it.each([
    // no agent has reported
    [[], 'Pending', 'Unknown'],
    // everyone OK
    [[state('a', 'OK'), state('b', 'OK')], 'OK', 'True'],
    // one node failing makes the check Failing
    [[state('a', 'OK'), state('b', 'CRITICAL')], 'Failing', 'False'],
    // UNKNOWN (e.g. a missing agent) counts as failing too
    [[state('a', 'UNKNOWN')], 'Failing', 'False'],
    // a problem waiting for its window does not fail an OK check
    [[state('a', 'OK', critPending)], 'OK', 'True'],
    // no node has a state yet, only pending problems: Pending, not Failing
    [[state('a', 'PENDING', critPending)], 'Pending', 'Unknown'],
    // one counted node decides: a PENDING node beside an OK one leaves the check OK
    [[state('a', 'PENDING', critPending), state('b', 'OK')], 'OK', 'True'],
  ] as const)('%j → health %s, Healthy=%s', (states, health, healthy) => {
    const status = checkStatus(input([...states]));
    expect(status.health).toBe(health);
    expect(status.conditions.find((c) => c.type === 'Healthy')!.status).toBe(healthy);
    expect(status.observedGeneration).toBe(3);
  });

  it.each([
    // agents match but none has reported: wait for them
    [{ matchLabels: { role: 'web' }, matching: 2, registered: 5 }, 'NoResults', 'no agent has reported yet'],
    // nobody matches the selector: it would wait for ever
    [
      { matchLabels: { role: 'web' }, matching: 0, registered: 3 },
      'NoMatchingAgent',
      'no agent matches nodeSelector role=web; 3 agents registered',
    ],
    [
      { matchLabels: { role: 'web', zone: 'a' }, matching: 0, registered: 1 },
      'NoMatchingAgent',
      'no agent matches nodeSelector role=web,zone=a; 1 agent registered',
    ],
    // no selector and no agent at all
    [{ matchLabels: {}, matching: 0, registered: 0 }, 'NoMatchingAgent', 'no agent is registered to run it'],
  ])('with no state and %j says %s: %s', (audience, reason, message) => {
    const status = checkStatus(input([], { audience }));
    expect(status.health).toBe('Pending');
    expect(status.conditions.find((c) => c.type === 'Healthy')).toMatchObject({ status: 'Unknown', reason, message });
  });

  it('counts and lists the failing nodes, bounded', () => {
    const many = Array.from({ length: 30 }, (_, i) => state(`n${i}`, 'CRITICAL'));
    const status = checkStatus(input([state('ok', 'OK'), ...many]));
    expect(status.summary).toEqual({ ok: 1, warning: 0, critical: 30, unknown: 0, pending: 0, failing: 30 });
    expect(status.failing).toHaveLength(MAX_FAILING);
    expect(status.failing[0]).toEqual({
      node: 'n0',
      status: 'CRITICAL',
      since: '2026-11-25T11:00:00.000Z',
      message: 'CRITICAL on n0',
    });
  });

  it('lists pending problems apart from the failing ones, with since and countsAt, and says so in Healthy', () => {
    const status = checkStatus(input([state('a', 'OK', critPending), state('b', 'PENDING', critPending)]));
    expect(status.summary).toEqual({ ok: 1, warning: 0, critical: 0, unknown: 0, pending: 2, failing: 0 });
    expect(status.failing).toEqual([]);
    expect(status.pending[0]).toEqual({
      node: 'a',
      status: 'CRITICAL',
      since: '2026-11-25T11:59:00.000Z',
      countsAt: '2026-11-25T12:04:00.000Z',
      message: 'CPU 100.0% busy',
    });
    expect(status.pending.map((p) => p.node)).toEqual(['a', 'b']);
    expect(status.conditions[1]).toMatchObject({
      status: 'True',
      reason: 'AllOK',
      message:
        'every agent reports OK; 2 pending: a (CRITICAL counts at 2026-11-25T12:04:00.000Z), b (CRITICAL counts at 2026-11-25T12:04:00.000Z)',
    });
    const waiting = checkStatus(input([state('b', 'PENDING', critPending)]));
    expect(waiting.conditions[1]).toMatchObject({
      status: 'Unknown',
      reason: 'Pending',
      message: '1 pending: b (CRITICAL counts at 2026-11-25T12:04:00.000Z)',
    });
  });

  it('is Invalid with Valid=False naming the field when the spec has problems', () => {
    const status = checkStatus(
      input([], { problems: [{ field: '/spec/process/pattern', message: 'not a valid regular expression' }] }),
    );
    expect(status.health).toBe('Invalid');
    expect(status.conditions[0]).toMatchObject({
      type: 'Valid',
      status: 'False',
      reason: 'InvalidSpec',
      message: '/spec/process/pattern: not a valid regular expression',
    });
  });

  it('keeps lastTransitionTime while a condition keeps its status, and moves it on a change', () => {
    const first = checkStatus(input([state('a', 'OK')]));
    const later = new Date(now.getTime() + 60_000);
    const same = checkStatus({ ...input([state('a', 'OK')]), previous: first, now: later });
    const changed = checkStatus({ ...input([state('a', 'CRITICAL')]), previous: first, now: later });
    expect(same.conditions[1]!.lastTransitionTime).toBe(now.toISOString());
    expect(changed.conditions[1]!.lastTransitionTime).toBe(later.toISOString());
  });
});

describe('healthEvent', () => {
  it.each([
    [undefined, 'Failing', 'CheckFailing'],
    ['OK', 'Failing', 'CheckFailing'],
    ['Failing', 'Failing', null], // never one per result
    ['Failing', 'OK', 'CheckRecovered'],
    ['Pending', 'OK', null],
    ['OK', 'Invalid', 'InvalidCheck'],
  ] as const)('%s → %s: %s', (before, after, reason) => {
    expect(healthEvent(before, after)?.reason ?? null).toBe(reason);
  });
});

describe('microTime', () => {
  it('writes the six fractional digits a Lease wants', () => {
    expect(String(microTime(new Date('2026-11-25T13:45:36.019Z')))).toBe('2026-11-25T13:45:36.019000Z');
  });
});

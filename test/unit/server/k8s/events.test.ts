import type { CoreV1Event } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { eventName, pickExisting } from '../../../../server/k8s/events.ts';

const now = Date.parse('2026-01-01T12:00:00Z');
const minutes = (n: number): Date => new Date(now - n * 60_000);

function event(name: string, over: Partial<CoreV1Event> = {}): CoreV1Event {
  return {
    metadata: { name, namespace: 'web' },
    involvedObject: { kind: 'Check', name: 'nginx' },
    type: 'Warning',
    reason: 'CheckFailing',
    message: 'CRITICAL on node-a',
    source: { component: 'vilicus' },
    count: 3,
    lastTimestamp: minutes(1),
    ...over,
  };
}

const want = { type: 'Warning' as const, message: 'CRITICAL on node-a', component: 'vilicus' };

describe('pickExisting', () => {
  it.each<[string, CoreV1Event[], string | null]>([
    ['counts into a recent identical event', [event('a')], 'a'],
    // ten minutes is the window, inclusive
    ['counts into one exactly at the window', [event('a', { lastTimestamp: minutes(10) })], 'a'],
    ['starts anew after the window', [event('a', { lastTimestamp: minutes(11) })], null],
    // only the same message, type and reporter count as the same event
    ['ignores another message', [event('a', { message: 'CRITICAL on node-b' })], null],
    ['ignores another type', [event('a', { type: 'Normal' })], null],
    ['ignores another component’s event', [event('a', { source: { component: 'kubelet' } })], null],
    // several series (a restart lost the cache): the newest one
    [
      'picks the newest of several',
      [event('old', { lastTimestamp: minutes(8) }), event('new'), event('mid', { lastTimestamp: minutes(5) })],
      'new',
    ],
    // an event without lastTimestamp: its firstTimestamp
    ['falls back to firstTimestamp', [event('a', { lastTimestamp: undefined, firstTimestamp: minutes(2) })], 'a'],
    ['finds nothing in nothing', [], null],
  ])('%s', (_name, items, expected) => {
    expect(pickExisting(items, want, now, 10 * 60_000)?.name ?? null).toBe(expected);
  });

  it('carries the count forward', () => {
    expect(pickExisting([event('a', { count: 7 })], want, now, 600_000)).toMatchObject({ count: 7, namespace: 'web' });
  });
});

describe('eventName', () => {
  it('is the object name and a hex time, unique within a millisecond', () => {
    const names = new Set(Array.from({ length: 50 }, () => eventName('nginx', now)));
    expect(names.size).toBe(50);
    for (const name of names) expect(name).toMatch(/^nginx\.[0-9a-f]+$/);
  });
});

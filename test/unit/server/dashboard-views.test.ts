import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { Overview } from '../../../contract/dashboard.ts';
import {
  bucketStep,
  cpuHistoryView,
  overviewJson,
  overviewView,
  timelineView,
} from '../../../server/api/dashboard-views.ts';
import type { AgentFact, CheckFact, StateFact } from '../../../server/db/dashboard.repository.ts';
import type { TransitionFact } from '../../../server/db/dashboard.repository.ts';
import type { StateStatus, Status } from '../../../server/domain/status.ts';

const T0 = Date.parse('2026-11-25T00:00:00Z') / 1000; // window start, Unix seconds
const from = new Date(T0 * 1000);
const to = new Date((T0 + 100) * 1000);
const at = (s: number): string => new Date((T0 + s) * 1000).toISOString();
const tr = (agent: string, fromStatus: Status | null, toStatus: Status, s: number): TransitionFact => ({
  agent,
  from: fromStatus,
  to: toStatus,
  at: T0 + s,
});

describe('timelineView', () => {
  it.each<[string, Map<string, Status>, TransitionFact[], { agent: string; status: StateStatus }[], unknown[]]>([
    // no state yet (a first problem inside its window): nothing to draw
    ['a PENDING agent', new Map(), [], [{ agent: 'a', status: 'PENDING' }], []],
    // nothing changed in the window: the current state covers all of it
    ['a steady state', new Map(), [], [{ agent: 'a', status: 'OK' }], [{ status: 'OK', from: at(0), to: at(100) }]],
    // the status before the window comes from the last earlier transition
    [
      'a change inside the window',
      new Map([['a', 'OK']]),
      [tr('a', 'OK', 'CRITICAL', 40)],
      [{ agent: 'a', status: 'CRITICAL' }],
      [
        { status: 'OK', from: at(0), to: at(40) },
        { status: 'CRITICAL', from: at(40), to: at(100) },
      ],
    ],
    // a check born inside the window has no segment before its first result
    [
      'a check that started inside the window',
      new Map(),
      [tr('a', null, 'OK', 30)],
      [{ agent: 'a', status: 'OK' }],
      [{ status: 'OK', from: at(30), to: at(100) }],
    ],
    // history pruned: the first transition's `from` says what came before
    [
      'no transition before the window',
      new Map(),
      [tr('a', 'WARNING', 'OK', 20)],
      [{ agent: 'a', status: 'OK' }],
      [
        { status: 'WARNING', from: at(0), to: at(20) },
        { status: 'OK', from: at(20), to: at(100) },
      ],
    ],
    // two transitions to the same status merge into one segment
    [
      'repeated statuses merge',
      new Map([['a', 'OK']]),
      [tr('a', 'OK', 'UNKNOWN', 10), tr('a', 'UNKNOWN', 'UNKNOWN', 20), tr('a', 'UNKNOWN', 'OK', 50)],
      [{ agent: 'a', status: 'OK' }],
      [
        { status: 'OK', from: at(0), to: at(10) },
        { status: 'UNKNOWN', from: at(10), to: at(50) },
        { status: 'OK', from: at(50), to: at(100) },
      ],
    ],
  ])('%s', (_name, before, within, current, expected) => {
    expect(timelineView(from, to, before, within, current).agents).toEqual([{ agent: 'a', segments: expected }]);
  });

  it('lists agents by name, including one whose state is gone but whose transitions are not', () => {
    const view = timelineView(from, to, new Map(), [tr('b', null, 'OK', 5)], [{ agent: 'a', status: 'OK' }]);
    expect(view.agents.map((a) => a.agent)).toEqual(['a', 'b']);
  });
});

describe('bucketStep', () => {
  const day = { from: new Date(0), to: new Date(86_400_000) };
  it.each<[string, number | null, number]>([
    // a full day of data: 5-minute buckets (288 points)
    ['a day of data', 0, 300],
    // 30 s of data: every second is its own bucket
    ['thirty seconds of data', 86_370, 1],
    // an hour: 15 s buckets (240 points)
    ['an hour of data', 86_400 - 3600, 15],
    // no data at all: the smallest step
    ['no data', null, 1],
  ])('%s', (_name, first, step) => {
    expect(bucketStep(day.from, first, day.to)).toBe(step);
  });
});

describe('cpuHistoryView', () => {
  it('aligns the buckets of several checks on one time axis, null where a check has none', () => {
    const checks = [
      { id: 'c1', namespace: 'default', name: 'cpu', above: 90, warnAbove: 75 },
      { id: 'c2', namespace: 'default', name: 'cpu-slow', above: null, warnAbove: null },
    ];
    const view = cpuHistoryView(from, to, 10, checks, [
      { checkId: 'c1', t: T0, avg: 10.123, max: 20 },
      { checkId: 'c2', t: T0 + 10, avg: 30, max: 31 },
      { checkId: 'c1', t: T0 + 10, avg: 11, max: 12 },
    ]);
    expect(view.t).toEqual([T0, T0 + 10]);
    expect(view.checks[0]).toMatchObject({ name: 'cpu', above: 90, avg: [10.12, 11], max: [20, 12] });
    expect(view.checks[1]).toMatchObject({ name: 'cpu-slow', avg: [null, 30], max: [null, 31] });
  });
});

describe('overviewView', () => {
  it('puts each state under its check and keeps checks no agent reported on', () => {
    const view = overviewView(
      [{ name: 'a', labels: {}, missing: false, lastSeenAt: T0, version: '1' }],
      [
        { id: '1', namespace: 'default', name: 'x', kind: 'cpu', severity: 'critical', intervalSpec: null },
        { id: '2', namespace: 'web', name: 'x', kind: 'process', severity: 'warning', intervalSpec: '5s' },
      ],
      [
        {
          namespace: 'web',
          check: 'x',
          kind: 'process',
          agent: 'a',
          status: 'CRITICAL',
          since: T0,
          value: 0,
          message: 'none',
          lastResultAt: null,
          pendingStatus: null,
          pendingSince: null,
          pendingCountsAt: null,
        },
        {
          namespace: 'web',
          check: 'x',
          kind: 'process',
          agent: 'b',
          status: 'PENDING',
          since: T0 + 10,
          value: 0,
          message: 'none',
          lastResultAt: T0 + 20,
          pendingStatus: 'CRITICAL',
          pendingSince: T0 + 10,
          pendingCountsAt: T0 + 70,
        },
      ],
      to,
    );
    expect(view.agents[0]!.lastSeenAt).toBe(at(0));
    expect(view.checks[0]!.states).toEqual([]);
    expect(view.checks[1]!.states).toEqual([
      { agent: 'a', status: 'CRITICAL', since: at(0), value: 0, message: 'none', lastResultAt: null, pending: null },
      {
        agent: 'b',
        status: 'PENDING',
        since: at(10),
        value: 0,
        message: 'none',
        lastResultAt: at(20),
        pending: { status: 'CRITICAL', since: at(10), countsAt: at(70), message: 'none' },
      },
    ]);
    expect(view.checks[1]!.interval).toBe('5s');
  });
});

describe('overviewJson', () => {
  const agents: AgentFact[] = [
    { name: 'a', labels: { team: 'web "core"', zone: 'ünï ✓' }, missing: false, lastSeenAt: T0 + 0.123, version: '1' },
    { name: 'b\\n', labels: {}, missing: true, lastSeenAt: null, version: null },
  ];
  const checks: CheckFact[] = [
    { id: '1', namespace: 'default', name: 'x', kind: 'cpu', severity: 'critical', intervalSpec: null },
    { id: '2', namespace: 'web', name: 'y', kind: 'process', severity: 'warning', intervalSpec: '5s' },
  ];
  const state = (agent: string, overrides: Partial<StateFact>): StateFact => ({
    namespace: 'web',
    check: 'y',
    kind: 'process',
    agent,
    status: 'OK',
    since: T0,
    value: 12.5,
    message: 'line\nbreak "quoted"',
    lastResultAt: T0 + 1,
    pendingStatus: null,
    pendingSince: null,
    pendingCountsAt: null,
    ...overrides,
  });
  const states = [
    state('a', { value: null, message: null, lastResultAt: null }),
    state('b\\n', { status: 'PENDING', pendingStatus: 'WARNING', pendingSince: T0 + 2, pendingCountsAt: T0 + 62 }),
    state('c', { namespace: 'default', check: 'x', kind: 'cpu', status: 'CRITICAL', value: -0.25 }),
  ];

  it('writes the bytes the route schema serializer wrote from the view', async () => {
    const app = Fastify();
    app.get('/', { schema: { response: { 200: Overview } } }, () => overviewView(agents, checks, states, to));
    const schemaWritten = (await app.inject('/')).body;
    await app.close();
    expect(overviewJson(agents, checks, states, to)).toBe(schemaWritten);
  });
});

// The pure parts of the Alertmanager and webhook channels: what is posted.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { labelName, subjectsOf, toPostable } from '../../../server/alerts/alertmanager/alerts.ts';
import { groupByAttempt } from '../../../server/alerts/channel.ts';
import { idempotencyKey, signature, webhookBody } from '../../../server/alerts/webhook/payload.ts';
import type { ClaimedNotification } from '../../../server/db/outbox.repository.ts';

const at = new Date('2026-12-01T10:00:00.000Z');
const now = new Date('2026-12-01T10:05:00.000Z');
const row = (over: Partial<ClaimedNotification> = {}): ClaimedNotification => ({
  id: '11',
  channel: 'webhook:ops',
  eventId: '7',
  kind: 'problem',
  status: 'CRITICAL',
  previous: 'OK',
  at,
  value: 3,
  message: '0 processes',
  outageMs: null,
  recipients: [],
  attempts: 1,
  dueAt: at,
  check: 'nginx',
  namespace: 'web',
  checkLabels: { team: 'shop', 'app.kubernetes.io/name': 'nginx', severity: 'page' },
  checkKind: 'process',
  agent: 'web-3',
  agentLabels: {},
  ...over,
});

describe('labelName', () => {
  it.each([
    ['team', 'team'],
    ['app.kubernetes.io/name', 'app_kubernetes_io_name'],
    ['9lives', '_9lives'],
    ['a-b', 'a_b'],
  ])('%s → %s', (key, name) => expect(labelName(key)).toBe(name));
});

describe('Alertmanager alerts of an outbox row', () => {
  const post = (n: ClaimedNotification) => subjectsOf(n).map((s) => toPostable(s, 'https://mon', now, 240_000));

  it('fires a problem with its labels (ours win over the check’s), annotations and times', () => {
    expect(post(row())).toEqual([
      {
        labels: {
          alertname: 'VilicusCheckFailing',
          namespace: 'web',
          check: 'nginx',
          agent: 'web-3',
          kind: 'process',
          severity: 'critical',
          team: 'shop',
          app_kubernetes_io_name: 'nginx',
        },
        annotations: {
          summary: '0 processes',
          description: 'nginx is CRITICAL on web-3; since 2026-12-01T10:00:00.000Z; last value 3; 0 processes',
          dashboard: 'https://mon/',
        },
        startsAt: '2026-12-01T10:00:00.000Z',
        endsAt: '2026-12-01T10:09:00.000Z',
        generatorURL: 'https://mon/api/v1/checks/nginx?namespace=web',
      },
    ]);
  });

  it.each([
    [
      'a recovery ends the alert that was open',
      { kind: 'resolved', status: 'OK', previous: 'WARNING' },
      [['warning', 'ended']],
    ],
    [
      'a settled flap of unknown severity ends both',
      { kind: 'flapping-ended', status: 'OK', previous: null },
      [
        ['critical', 'ended'],
        ['warning', 'ended'],
      ],
    ],
    [
      'WARNING → CRITICAL fires critical and ends warning',
      { previous: 'WARNING' },
      [
        ['critical', 'open'],
        ['warning', 'ended'],
      ],
    ],
    [
      'CRITICAL → WARNING fires warning and ends critical',
      { status: 'WARNING', previous: 'CRITICAL' },
      [
        ['warning', 'open'],
        ['critical', 'ended'],
      ],
    ],
  ] as const)('%s', (_name, over, expected) => {
    const alerts = post(row(over));
    expect(alerts.map((a) => [a.labels['severity'], a.endsAt === at.toISOString() ? 'ended' : 'open'])).toEqual(
      expected,
    );
  });

  it('names a missing agent VilicusAgentMissing, and ends it when the agent is back', () => {
    const agentRow = { check: null, namespace: null, checkKind: null, checkLabels: {}, kind: 'agent-missing' as const };
    const [missing] = post(row(agentRow));
    expect(missing!.labels).toEqual({ alertname: 'VilicusAgentMissing', agent: 'web-3', severity: 'critical' });
    const [back] = post(row({ ...agentRow, kind: 'agent-back' }));
    expect(back!.labels).toEqual(missing!.labels);
    expect(back!.endsAt).toBe(at.toISOString());
  });
});

describe('webhook posts', () => {
  it('carry every event with a text line for chat tools', () => {
    const body = webhookBody(
      'ops',
      [row(), row({ eventId: '8', check: 'db', status: 'WARNING', message: null })],
      'https://mon',
    );
    expect(body.schema).toBe('vilicus.webhook/v1');
    expect(body.text).toBe('[CRITICAL] nginx on web-3: 0 processes\n[WARNING] db on web-3\nDashboard: https://mon/');
    expect(body.events.map((e) => [e.id, e.event, e.check, e.since])).toEqual([
      ['7', 'problem', 'nginx', '2026-12-01T10:00:00.000Z'],
      ['8', 'problem', 'db', '2026-12-01T10:00:00.000Z'],
    ]);
  });

  it('have one idempotency key per set of events and receiver, whatever their order', () => {
    const [a, b] = [row({ eventId: '7' }), row({ eventId: '12' })];
    expect(idempotencyKey('ops', [a, b])).toBe(idempotencyKey('ops', [b, a]));
    expect(idempotencyKey('ops', [a, b])).not.toBe(idempotencyKey('chat', [a, b]));
    expect(idempotencyKey('ops', [a, b])).not.toBe(idempotencyKey('ops', [a]));
  });

  it('are signed with the HMAC-SHA256 of the body', () => {
    expect(signature('s3cret', '{"a":1}')).toBe(
      `sha256=${createHmac('sha256', 's3cret').update('{"a":1}').digest('hex')}`,
    );
  });

  it('regroup rows that failed together as they were', () => {
    const later = new Date(at.getTime() + 5000);
    const rows = [
      row({ id: '1' }),
      row({ id: '2', attempts: 2, dueAt: later }),
      row({ id: '3' }),
      row({ id: '4', attempts: 2, dueAt: later }),
    ];
    expect(groupByAttempt(rows).map((g) => g.map((r) => r.id))).toEqual([
      ['1', '3'],
      ['2', '4'],
    ]);
  });
});

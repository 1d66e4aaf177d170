import { describe, expect, it } from 'vitest';
import { channelOf, channelsFor, type ChannelPlan } from '../../../server/domain/channels.ts';

const plan: ChannelPlan = {
  alertmanagers: ['http://am-0:9093/', 'http://am-1:9093/'],
  webhooks: new Set(['chat', 'ops', 'pager']),
  defaultWebhooks: ['chat'],
};

describe('channelsFor', () => {
  it.each([
    [
      'a problem of a check naming ops: every Alertmanager, the default and its own webhook',
      { kind: 'problem', webhooks: ['ops'] },
      ['alertmanager:http://am-0:9093/', 'alertmanager:http://am-1:9093/', 'webhook:chat', 'webhook:ops'],
    ],
    [
      'a reminder: webhooks only (the re-post keeps Alertmanager current)',
      { kind: 'reminder', webhooks: ['ops'] },
      ['webhook:chat', 'webhook:ops'],
    ],
    [
      'an agent event: Alertmanagers and the defaults',
      { kind: 'agent-missing', webhooks: [] },
      ['alertmanager:http://am-0:9093/', 'alertmanager:http://am-1:9093/', 'webhook:chat'],
    ],
    [
      'a name the server no longer knows is left out, a repeated one counted once',
      { kind: 'resolved', webhooks: ['gone', 'chat', 'chat'] },
      ['alertmanager:http://am-0:9093/', 'alertmanager:http://am-1:9093/', 'webhook:chat'],
    ],
  ] as const)('%s', (_name, row, expected) => {
    expect(channelsFor(row, plan)).toEqual(expected);
  });

  it('gives nothing but mail when no other channel is set', () => {
    expect(
      channelsFor({ kind: 'problem', webhooks: [] }, { alertmanagers: [], webhooks: new Set(), defaultWebhooks: [] }),
    ).toEqual([]);
  });
});

describe('channelOf', () => {
  it.each([
    // mail: one channel, no receiver name
    ['email', { type: 'email', receiver: '' }],
    // a webhook by its name
    ['webhook:ops', { type: 'webhook', receiver: 'ops' }],
    // an Alertmanager by its URL, whose own colons stay in the receiver
    ['alertmanager:http://am-0:9093/', { type: 'alertmanager', receiver: 'http://am-0:9093/' }],
  ])('reads %s', (channel, expected) => {
    expect(channelOf(channel)).toEqual(expected);
  });

  it.each(['email', ...channelsFor({ kind: 'problem', webhooks: ['ops'] }, plan)])(
    'reads back what %s was made from',
    (channel) => {
      const { type, receiver } = channelOf(channel);
      expect(receiver === '' ? type : `${type}:${receiver}`).toBe(channel);
    },
  );
});

import { describe, expect, it } from 'vitest';
import {
  draftsFor,
  handOverDraft,
  isPermanentSmtpFailure,
  reminderDue,
  isPermanentHttpFailure,
  silenceMatches,
  type AlertTarget,
  type Silence,
} from '../../../server/domain/alerts.ts';
import { applyResult, markMissing, type CheckState, type Evaluated } from '../../../server/domain/evaluate.ts';
import { FLAP_START, FLAP_STOP, FLAP_WINDOW, notFlapping, trackFlapping } from '../../../server/domain/flapping.ts';
import type { Status } from '../../../server/domain/status.ts';

const T0 = Date.parse('2026-11-25T12:00:00Z');
const at = (s: number): Date => new Date(T0 + s * 1000);
const rules = { sustainMs: 0, severity: 'critical' as const };

/** Feeds "OK CRITICAL OK …" (one result every 10 s) and collects every mail asked for. */
function mails(sequence: string): { kinds: string[]; last: CheckState } {
  let state: CheckState | null = null;
  const kinds: string[] = [];
  sequence.split(' ').forEach((status, i) => {
    const ev: Evaluated = applyResult(
      state,
      { status: status as Status, value: i, message: status, observedAt: at(i * 10) },
      rules,
    );
    const { drafts, notifiedAt } = draftsFor(ev);
    state = { ...ev.state, notifiedAt };
    kinds.push(...drafts.map((d) => `${d.kind}:${d.status}`));
  });
  return { kinds, last: state! };
}

describe('draftsFor', () => {
  it.each([
    // a first OK result is no news
    ['OK OK', []],
    // a new check that fails at once mails
    ['CRITICAL', ['problem:CRITICAL']],
    // a problem mails once, not per result
    ['OK CRITICAL CRITICAL CRITICAL', ['problem:CRITICAL']],
    // recovery mails "resolved"
    ['OK CRITICAL OK', ['problem:CRITICAL', 'resolved:OK']],
    // escalation is news, and so is de-escalation
    ['OK WARNING CRITICAL WARNING OK', ['problem:WARNING', 'problem:CRITICAL', 'problem:WARNING', 'resolved:OK']],
    // a probe that cannot tell is not mailed
    ['OK UNKNOWN OK', []],
  ])('%s asks for %j', (sequence, expected) => {
    expect(mails(sequence).kinds).toEqual(expected);
  });

  it('gives a resolved mail the outage duration', () => {
    let state = applyResult(null, { status: 'OK', value: 1, message: null, observedAt: at(0) }, rules).state;
    state = applyResult(state, { status: 'CRITICAL', value: 0, message: null, observedAt: at(60) }, rules).state;
    const ev = applyResult(state, { status: 'OK', value: 1, message: null, observedAt: at(780) }, rules);
    expect(draftsFor(ev).drafts[0]).toMatchObject({ kind: 'resolved', outageMs: 720_000, previous: 'CRITICAL' });
  });

  it('sends one flapping mail for a check that keeps changing, then nothing until it settles', () => {
    const flapping = Array.from({ length: 30 }, (_, i) => (i % 2 ? 'CRITICAL' : 'OK')).join(' ');
    const { kinds, last } = mails(flapping);
    expect(last.flapping).toBe(true);
    expect(kinds.filter((k) => k.startsWith('flapping'))).toHaveLength(1);
    expect(kinds.length).toBeLessThan(15); // problem/resolved pairs only before it was recognised
    const settled = mails(`${flapping} ${'OK '.repeat(25).trim()}`);
    expect(settled.last.flapping).toBe(false);
    expect(settled.kinds.at(-1)).toBe('flapping-ended:OK');
  });

  it('leaves agent-missing transitions to the per-agent mail', () => {
    const ok = applyResult(null, { status: 'CRITICAL', value: 0, message: null, observedAt: at(0) }, rules).state;
    expect(draftsFor(markMissing(ok, at(100), 'agent missing')).drafts).toEqual([]);
  });
});

describe('handOverDraft', () => {
  it.each<[string, string, number | null, 'resolved' | null]>([
    // the problem was mailed: its ending is mailed, whatever the state is now (missing agents read UNKNOWN)
    ['a mailed CRITICAL', 'CRITICAL', 0, 'resolved'],
    ['a mailed problem whose agent then went missing', 'UNKNOWN', 0, 'resolved'],
    ['a mailed flapping series', 'OK', 0, 'resolved'],
    // nothing open: no mail
    ['an OK state', 'OK', null, null],
    ['an UNKNOWN never mailed', 'UNKNOWN', null, null],
    ['a WARNING not mailed (warnings below the severity)', 'WARNING', null, null],
  ])('%s → %s', (_name, status, notifiedAtS, expected) => {
    const dropped = {
      status: status as Status,
      since: at(0),
      notifiedAt: notifiedAtS === null ? null : at(notifiedAtS),
    };
    const draft = handOverDraft(dropped, 'probe-2', at(600));
    expect(draft?.kind ?? null).toBe(expected);
    if (draft) {
      expect(draft).toMatchObject({ status: 'OK', previous: status, at: at(600), outageMs: 600_000 });
      expect(draft.message).toContain('probe-2');
    }
  });
});

describe('trackFlapping', () => {
  it('starts at a high share of changes and stops only at a low one (hysteresis)', () => {
    let state = notFlapping;
    const events: string[] = [];
    const feed = (raw: string): void => {
      const out = trackFlapping(state, raw);
      state = out.state;
      if (out.event) events.push(out.event);
    };
    for (let i = 0; i <= FLAP_WINDOW * FLAP_START; i++) feed(i % 2 ? 'CRITICAL' : 'OK');
    expect(events).toEqual(['started']);
    const stableToStop = Math.ceil(FLAP_WINDOW * (1 - FLAP_STOP)) - 1;
    for (let i = 0; i < stableToStop - 1; i++) feed('OK');
    expect(state.flapping).toBe(true); // between the two thresholds: still flapping
    for (let i = 0; i < 3; i++) feed('OK');
    expect(events).toEqual(['started', 'stopped']);
  });
});

describe('reminderDue', () => {
  it.each([
    // open problem, mailed 4h ago, 4h repeat: remind
    ['CRITICAL', false, 4 * 3600, true],
    // not yet
    ['CRITICAL', false, 4 * 3600 - 1, false],
    // nothing open
    ['OK', false, 99_999, false],
    // flapping checks stay quiet
    ['WARNING', true, 99_999, false],
  ] as const)('%s flapping=%s mailed %is ago → %s', (status, flapping, agoS, expected) => {
    const now = at(100_000);
    const state = { status: status as Status, flapping, notifiedAt: at(100_000 - agoS) };
    expect(reminderDue(state, 4 * 3600_000, now)).toBe(expected);
  });
});

describe('silenceMatches', () => {
  const target: AlertTarget = { check: 'nginx', namespace: 'web', agent: 'w3', labels: { role: 'web', zone: 'a' } };
  const silence = (matchers: Silence['matchers'], from = 0, to = 3600): Silence => ({
    matchers,
    startsAt: at(from),
    endsAt: at(to),
  });
  it.each([
    // by check name
    [{ check: 'nginx' }, true],
    // another check
    [{ check: 'sshd' }, false],
    // check and agent together
    [{ check: 'nginx', agent: 'w3' }, true],
    [{ check: 'nginx', agent: 'w4' }, false],
    // by labels, all must match
    [{ labels: { role: 'web' } }, true],
    [{ labels: { role: 'web', zone: 'b' } }, false],
    // an empty silence silences nothing
    [{}, false],
  ])('%j → %s', (matchers, expected) => {
    expect(silenceMatches(silence(matchers), target, at(10))).toBe(expected);
  });

  it('matches only between its start and its end', () => {
    expect(silenceMatches(silence({ check: 'nginx' }, 100, 200), target, at(99))).toBe(false);
    expect(silenceMatches(silence({ check: 'nginx' }, 100, 200), target, at(150))).toBe(true);
    expect(silenceMatches(silence({ check: 'nginx' }, 100, 200), target, at(200))).toBe(false);
  });
});

describe('SMTP failures', () => {
  it.each([
    [undefined, false], // connection refused, timeout: no reply at all
    [421, false], // service not available: try later
    [451, false],
    [550, true], // mailbox unavailable: final
    [554, true],
  ])('reply %s is permanent: %s', (code, expected) => {
    expect(isPermanentSmtpFailure(code)).toBe(expected);
  });
});

describe('HTTP receiver failures', () => {
  it.each([
    [500, false], // the receiver is broken: try later
    [502, false],
    [503, false],
    [408, false], // request timeout
    [429, false], // too many requests
    [400, true], // the receiver refuses this body: no retry changes that
    [401, true],
    [404, true],
    [301, true], // redirects are not followed
    [199, true],
  ])('status %s is permanent: %s', (status, expected) => {
    expect(isPermanentHttpFailure(status)).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import {
  draftsFor,
  handOverDraft,
  isPermanentSmtpFailure,
  reminderDue,
  retryDelayMs,
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

/** Feeds "OK CRITICAL OK …" (one result every 10 s) and collects every mail asked for, with the time asked. */
function mails(sequence: string, evaluation = rules): { kinds: string[]; last: CheckState } {
  let state: CheckState | null = null;
  const kinds: string[] = [];
  sequence.split(' ').forEach((status, i) => {
    const ev: Evaluated = applyResult(
      state,
      { status: status as Status, value: i, message: status, observedAt: at(i * 10) },
      evaluation,
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

  const window30s = { sustainMs: 30_000, severity: 'critical' as const };
  it.each([
    // the window fills from OK: no mail while pending, one problem mail when it counts (4th result, 30 s)
    ['OK CRITICAL CRITICAL', []],
    ['OK CRITICAL CRITICAL CRITICAL CRITICAL', ['problem:CRITICAL@40']],
    // from nothing (PENDING): the same, and the mail says it came from nothing
    ['CRITICAL CRITICAL CRITICAL', []],
    ['CRITICAL CRITICAL CRITICAL CRITICAL', ['problem:CRITICAL@30']],
    // recovers inside the window: never counted, so neither a problem nor a resolved mail
    ['OK CRITICAL CRITICAL OK', []],
    ['CRITICAL CRITICAL OK', []],
    // an escalation waiting for its window mails only once it counts
    ['WARNING WARNING WARNING WARNING CRITICAL CRITICAL', ['problem:WARNING@30']],
  ])('under a 30 s window %s asks for %j', (sequence, expected) => {
    const timed: string[] = [];
    let state: CheckState | null = null;
    sequence.split(' ').forEach((status, i) => {
      const ev = applyResult(
        state,
        { status: status as Status, value: i, message: status, observedAt: at(i * 10) },
        window30s,
      );
      const { drafts, notifiedAt } = draftsFor(ev);
      state = { ...ev.state, notifiedAt };
      timed.push(...drafts.map((d) => `${d.kind}:${d.status}@${(d.at.getTime() - T0) / 1000}`));
    });
    expect(timed).toEqual(expected);
  });

  it('names the problem a PENDING pair shows when it starts flapping', () => {
    // WARNING and CRITICAL in turn, every 10 s, under a 10-minute window: never counted, still flapping
    const flapping = Array.from({ length: 11 }, (_, i) => (i % 2 ? 'CRITICAL' : 'WARNING')).join(' ');
    const { kinds, last } = mails(flapping, { sustainMs: 600_000, severity: 'critical' });
    expect(last.status).toBe('PENDING');
    expect(kinds).toEqual(['flapping:WARNING']); // the 11th result (a WARNING) makes 10 changes
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
    // problem/resolved pairs until the 10th change is recognised as flapping, then silence
    const pair = ['problem:CRITICAL', 'resolved:OK'];
    expect(kinds).toEqual([...pair, ...pair, ...pair, ...pair, 'problem:CRITICAL', 'flapping:OK']);
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

  it.each([
    // the top of each draw: doubling from the base up to the cap
    [1, [1000, 2000, 4000, 5000]],
    // the bottom: never under half the base, so retries are never back to back
    [0, [500, 500, 500, 500]],
    // a middle draw: half of each ceiling
    [0.5, [500, 1000, 2000, 2500]],
  ])('backs off exponentially up to a cap, jittered (random() = %s)', (draw, delays) => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, () => draw, 1000, 5000))).toEqual(delays);
  });
});

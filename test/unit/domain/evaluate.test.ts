import { describe, expect, it } from 'vitest';
import {
  applyResult,
  markMissing,
  type CheckState,
  type EvaluationRules,
  type Transition,
} from '../../../server/domain/evaluate.ts';
import type { Severity, StateStatus, Status } from '../../../server/domain/status.ts';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);
const seconds = (date: Date | null): number | null => (date === null ? null : (date.getTime() - T0) / 1000);

/** One step of a sequence: a result with a status, or the agent going missing, at seconds after T0. */
type Step = [Status | 'MISSING', number];

/** `'OK@0 CRITICAL@30 MISSING@90'` → the steps it names, so each table row reads as a timeline. */
function steps(sequence: string): Step[] {
  return sequence.split(' ').map((step) => {
    const [status = '', offset = ''] = step.split('@');
    if (!/^(OK|WARNING|CRITICAL|UNKNOWN|MISSING)$/.test(status) || !/^\d+$/.test(offset))
      throw new Error(`not a step: ${step}`);
    return [status as Step[0], Number(offset)];
  });
}

interface Folded {
  states: CheckState[];
  transitions: Transition[];
}

function rules(sustainSeconds = 0, severity: Severity = 'critical'): EvaluationRules {
  return { sustainMs: sustainSeconds * 1000, severity };
}

/** Apply every step in order, keeping each state and every transition. */
function fold(sequence: string, evaluation: EvaluationRules): Folded {
  const states: CheckState[] = [];
  const transitions: Transition[] = [];
  let state: CheckState | null = null;
  for (const [status, offset] of steps(sequence)) {
    let evaluated;
    if (status === 'MISSING') {
      if (!state) throw new Error('a sequence cannot start with MISSING');
      evaluated = markMissing(state, at(offset), 'agent stopped reporting');
    } else {
      evaluated = applyResult(
        state,
        { status, value: offset, message: `${status}@${offset}`, observedAt: at(offset) },
        evaluation,
      );
    }
    state = evaluated.state;
    states.push(state);
    if (evaluated.transition) transitions.push(evaluated.transition);
  }
  return { states, transitions };
}

/** `none->OK@0`: a transition as a short readable string. */
const show = (t: Transition): string => `${t.from ?? 'none'}->${t.to}@${seconds(t.at)}`;

describe('applyResult', () => {
  it.each<[string, string, EvaluationRules, StateStatus, string[]]>([
    // first result OK: the state starts OK
    ['first result OK starts OK', 'OK@0', rules(), 'OK', ['none->OK@0']],
    // first result CRITICAL without a window counts at once
    ['first result CRITICAL starts CRITICAL without a window', 'CRITICAL@0', rules(), 'CRITICAL', ['none->CRITICAL@0']],
    // first result WARNING without a window counts at once
    ['first result WARNING starts WARNING without a window', 'WARNING@0', rules(), 'WARNING', ['none->WARNING@0']],
    // first result UNKNOWN is reported as it is
    ['first result UNKNOWN starts UNKNOWN', 'UNKNOWN@0', rules(), 'UNKNOWN', ['none->UNKNOWN@0']],
    // a first CRITICAL under a window is not yet a problem: no state yet, and no transition
    ['first result CRITICAL under a window is PENDING', 'CRITICAL@0', rules(60), 'PENDING', []],
    // the window fills from PENDING: the first transition comes from nothing, at the time it counts
    [
      'a PENDING CRITICAL counts once its window is full',
      'CRITICAL@0 CRITICAL@30 CRITICAL@60',
      rules(60),
      'CRITICAL',
      ['none->CRITICAL@60'],
    ],
    // an OK ends PENDING with the pair's first transition
    ['an OK during the window ends PENDING as OK', 'CRITICAL@0 OK@30', rules(60), 'OK', ['none->OK@30']],
    // the window fills: the CRITICAL run from 30s lasts 60s at 90s
    [
      'CRITICAL counts once every result for the window was CRITICAL',
      'OK@0 CRITICAL@30 CRITICAL@60 CRITICAL@90',
      rules(60),
      'CRITICAL',
      ['none->OK@0', 'OK->CRITICAL@90'],
    ],
    // one result short of the window: still OK
    [
      'CRITICAL does not count before the window is full',
      'OK@0 CRITICAL@30 CRITICAL@60 CRITICAL@89',
      rules(60),
      'OK',
      ['none->OK@0'],
    ],
    // the OK at 70s ends the run from 30s; the new run from 80s fills the window at 140s
    [
      'a single OK in between restarts the window',
      'OK@0 CRITICAL@30 CRITICAL@60 OK@70 CRITICAL@80 CRITICAL@120 CRITICAL@140',
      rules(60),
      'CRITICAL',
      ['none->OK@0', 'OK->CRITICAL@140'],
    ],
    // an UNKNOWN in between also ends the run (and is reported at once)
    [
      'an UNKNOWN in between restarts the window',
      'OK@0 CRITICAL@10 UNKNOWN@40 CRITICAL@50 CRITICAL@80',
      rules(60),
      'UNKNOWN',
      ['none->OK@0', 'OK->UNKNOWN@40'],
    ],
    // the WARNING at 40s keeps the problem run from 10s going but restarts the CRITICAL run at 70s
    [
      'a WARNING in between keeps the WARNING run but restarts the CRITICAL run',
      'OK@0 CRITICAL@10 WARNING@40 CRITICAL@70 CRITICAL@100 CRITICAL@130',
      rules(60),
      'CRITICAL',
      ['none->OK@0', 'OK->WARNING@70', 'WARNING->CRITICAL@130'],
    ],
    // WARNING after its window; CRITICAL from 80s must also last 60s before escalating
    [
      'escalation from WARNING to CRITICAL waits for the window too',
      'OK@0 WARNING@10 WARNING@70 CRITICAL@80 CRITICAL@110 CRITICAL@140',
      rules(60),
      'CRITICAL',
      ['none->OK@0', 'OK->WARNING@70', 'WARNING->CRITICAL@140'],
    ],
    // the WARNING at 110s ends the CRITICAL run from 80s; the run from 120s is only 25s old at 145s
    [
      'escalation from WARNING does not happen on a short CRITICAL run',
      'OK@0 WARNING@10 WARNING@70 CRITICAL@80 WARNING@110 CRITICAL@120 CRITICAL@145',
      rules(60),
      'WARNING',
      ['none->OK@0', 'OK->WARNING@70'],
    ],
    // once CRITICAL, a WARNING result lowers the state at once, window or not
    [
      'de-escalation from CRITICAL to WARNING happens at once under a window',
      'OK@0 CRITICAL@10 CRITICAL@70 WARNING@80',
      rules(60),
      'WARNING',
      ['none->OK@0', 'OK->CRITICAL@70', 'CRITICAL->WARNING@80'],
    ],
    // the same without a window
    [
      'de-escalation from CRITICAL to WARNING happens at once without a window',
      'CRITICAL@0 WARNING@30',
      rules(),
      'WARNING',
      ['none->CRITICAL@0', 'CRITICAL->WARNING@30'],
    ],
    // recovery needs no window
    [
      'recovery from CRITICAL to OK happens at once under a window',
      'OK@0 CRITICAL@10 CRITICAL@70 OK@80',
      rules(60),
      'OK',
      ['none->OK@0', 'OK->CRITICAL@70', 'CRITICAL->OK@80'],
    ],
    // recovery from WARNING also needs no window
    [
      'recovery from WARNING to OK happens at once under a window',
      'OK@0 WARNING@10 WARNING@70 OK@71',
      rules(60),
      'OK',
      ['none->OK@0', 'OK->WARNING@70', 'WARNING->OK@71'],
    ],
    // "cannot tell" is reported at once, even under a window
    [
      'UNKNOWN counts at once under a window',
      'OK@0 UNKNOWN@30',
      rules(60),
      'UNKNOWN',
      ['none->OK@0', 'OK->UNKNOWN@30'],
    ],
    // without a window every change of result is a transition
    [
      'flapping without a window makes a transition per change',
      'OK@0 CRITICAL@30 OK@60 CRITICAL@90 OK@120',
      rules(),
      'OK',
      ['none->OK@0', 'OK->CRITICAL@30', 'CRITICAL->OK@60', 'OK->CRITICAL@90', 'CRITICAL->OK@120'],
    ],
    // under a window the same flapping never makes a problem
    [
      'flapping under a window makes no transition',
      'OK@0 CRITICAL@30 OK@60 CRITICAL@90 OK@120 CRITICAL@150 OK@180',
      rules(60),
      'OK',
      ['none->OK@0'],
    ],
    // severity warning: a CRITICAL result counts as WARNING
    [
      'severity warning caps a CRITICAL result to WARNING',
      'CRITICAL@0',
      rules(0, 'warning'),
      'WARNING',
      ['none->WARNING@0'],
    ],
    // severity warning: a long CRITICAL run still never becomes CRITICAL
    [
      'severity warning never escalates a sustained CRITICAL run',
      'OK@0 CRITICAL@10 CRITICAL@70 CRITICAL@130',
      rules(60, 'warning'),
      'WARNING',
      ['none->OK@0', 'OK->WARNING@70'],
    ],
    // severity warning leaves WARNING results as they are
    [
      'severity warning keeps WARNING as WARNING',
      'OK@0 WARNING@30',
      rules(0, 'warning'),
      'WARNING',
      ['none->OK@0', 'OK->WARNING@30'],
    ],
    // a result older than the last one applied changes nothing
    [
      'an out-of-order OK does not end a CRITICAL state',
      'CRITICAL@60 OK@30',
      rules(),
      'CRITICAL',
      ['none->CRITICAL@60'],
    ],
    // the older OK at 30s would have restarted the run from 10s; ignored, the run fills at 70s
    [
      'an out-of-order OK does not restart a run',
      'OK@0 CRITICAL@10 CRITICAL@40 OK@30 CRITICAL@70',
      rules(60),
      'CRITICAL',
      ['none->OK@0', 'OK->CRITICAL@70'],
    ],
    // an older CRITICAL does not make an OK state a problem
    ['an out-of-order CRITICAL does not start a problem', 'OK@60 CRITICAL@30', rules(), 'OK', ['none->OK@60']],
    // the agent went missing: the CRITICAL run from 10s is forgotten, the one from 60s is too short at 90s
    [
      'a missing agent forgets the run, so the window starts over',
      'OK@0 CRITICAL@10 CRITICAL@40 MISSING@50 CRITICAL@60 CRITICAL@90',
      rules(60),
      'UNKNOWN',
      ['none->OK@0', 'OK->UNKNOWN@50'],
    ],
    // after going missing, a fresh result without a window is reported at once
    [
      'a result after a missing agent ends UNKNOWN at once',
      'OK@0 MISSING@90 OK@100',
      rules(),
      'OK',
      ['none->OK@0', 'OK->UNKNOWN@90', 'UNKNOWN->OK@100'],
    ],
  ])('%s', (_name, sequence, evaluation, finalStatus, transitions) => {
    const folded = fold(sequence, evaluation);
    expect(folded.states.at(-1)?.status).toBe(finalStatus);
    expect(folded.transitions.map(show)).toEqual(transitions);
  });

  it.each<[string, string, EvaluationRules, (number | null)[]]>([
    // since moves at 30s (problem) and 90s (recovery), not on repeated results
    [
      'since moves only when the status changes',
      'OK@0 OK@15 CRITICAL@30 CRITICAL@60 OK@90 OK@120',
      rules(),
      [0, 0, 30, 30, 90, 90],
    ],
    // under a window the status changes when the window fills (90s), not when the run began (30s)
    [
      'since is the moment the window filled, not the start of the run',
      'OK@0 CRITICAL@30 CRITICAL@60 CRITICAL@90 CRITICAL@120',
      rules(60),
      [0, 0, 0, 90, 90],
    ],
    // an out-of-order result keeps since
    ['since stays on an out-of-order result', 'OK@60 CRITICAL@30 OK@90', rules(), [60, 60, 60]],
  ])('%s', (_name, sequence, evaluation, since) => {
    expect(fold(sequence, evaluation).states.map((s) => seconds(s.since))).toEqual(since);
  });

  it.each<[string, string, EvaluationRules, number | null, number | null]>([
    // a CRITICAL run under way: both runs start at its first result
    ['a CRITICAL run sets both run starts', 'OK@0 CRITICAL@10 CRITICAL@20', rules(60), 10, 10],
    // a WARNING after CRITICAL keeps the problem run and ends the CRITICAL run
    ['a WARNING ends only the CRITICAL run', 'CRITICAL@10 WARNING@20', rules(60), 10, null],
    // OK ends both runs
    ['an OK ends both runs', 'CRITICAL@10 OK@20', rules(60), null, null],
    // severity warning: a CRITICAL result never starts a CRITICAL run
    ['severity warning starts no CRITICAL run', 'CRITICAL@10', rules(60, 'warning'), 10, null],
  ])('%s', (_name, sequence, evaluation, warnSince, critSince) => {
    const last = fold(sequence, evaluation).states.at(-1)!;
    expect([seconds(last.warnSince), seconds(last.critSince)]).toEqual([warnSince, critSince]);
  });

  /** `CRITICAL 30..90`: a pending problem as a short readable string (its run start and when it counts). */
  const pendingOf = (state: CheckState): string | null =>
    state.pending && `${state.pending.status} ${seconds(state.pending.since)}..${seconds(state.pending.countsAt)}`;

  it.each<[string, string, EvaluationRules, StateStatus, string | null, string[]]>([
    // the window fills from OK: the state stays OK, the problem waits from its first result to 30+60
    [
      'a filling window keeps OK and shows the problem pending',
      'OK@0 CRITICAL@30 CRITICAL@60',
      rules(60),
      'OK',
      'CRITICAL 30..90',
      ['none->OK@0'],
    ],
    // from nothing: no state yet (PENDING), the problem pending from the first result
    [
      'a first problem under a window is PENDING with the problem pending',
      'CRITICAL@0',
      rules(60),
      'PENDING',
      'CRITICAL 0..60',
      [],
    ],
    // a pending WARNING from nothing
    [
      'a first WARNING under a window is PENDING too',
      'WARNING@0 WARNING@30',
      rules(60),
      'PENDING',
      'WARNING 0..60',
      [],
    ],
    // the window completes: CRITICAL at countsAt (90), nothing pending any more
    [
      'the window completes: CRITICAL at countsAt, pending cleared',
      'OK@0 CRITICAL@30 CRITICAL@60 CRITICAL@90',
      rules(60),
      'CRITICAL',
      null,
      ['none->OK@0', 'OK->CRITICAL@90'],
    ],
    // from nothing, the window completes at 60: the first transition is the problem
    [
      'the window completes from PENDING: the first transition is the problem',
      'CRITICAL@0 CRITICAL@60',
      rules(60),
      'CRITICAL',
      null,
      ['none->CRITICAL@60'],
    ],
    // recovery inside the window: the pending problem is dropped, no transition (so no mail)
    [
      'recovering during the window clears pending without a transition',
      'OK@0 CRITICAL@30 OK@60',
      rules(60),
      'OK',
      null,
      ['none->OK@0'],
    ],
    // "cannot tell" inside the window counts at once and ends the run
    [
      'UNKNOWN during the window clears pending',
      'OK@0 CRITICAL@30 UNKNOWN@60',
      rules(60),
      'UNKNOWN',
      null,
      ['none->OK@0', 'OK->UNKNOWN@60'],
    ],
    // after an UNKNOWN the state keeps UNKNOWN (its previous value) while a new problem waits
    [
      'a filling window keeps UNKNOWN as it was',
      'UNKNOWN@0 CRITICAL@30',
      rules(60),
      'UNKNOWN',
      'CRITICAL 30..90',
      ['none->UNKNOWN@0'],
    ],
    // WARNING counted, CRITICAL from 80 waits for its own window
    [
      'an escalation waits as pending CRITICAL over a WARNING state',
      'WARNING@0 WARNING@60 CRITICAL@80',
      rules(60),
      'WARNING',
      'CRITICAL 80..140',
      ['none->WARNING@60'],
    ],
    // problem run from 10 counts as WARNING at 70; the CRITICAL run from 40 still waits until 100
    [
      'a WARNING run counts while the CRITICAL run is still pending',
      'OK@0 WARNING@10 CRITICAL@40 CRITICAL@70',
      rules(60),
      'WARNING',
      'CRITICAL 40..100',
      ['none->OK@0', 'OK->WARNING@70'],
    ],
    // de-escalation counts at once: WARNING is what is observed, nothing waits
    [
      'a de-escalation leaves nothing pending',
      'CRITICAL@0 CRITICAL@60 WARNING@70',
      rules(60),
      'WARNING',
      null,
      ['none->CRITICAL@60', 'CRITICAL->WARNING@70'],
    ],
    // severity warning: the pending problem is capped like the state
    [
      'severity warning makes the pending problem a WARNING',
      'OK@0 CRITICAL@30',
      rules(60, 'warning'),
      'OK',
      'WARNING 30..90',
      ['none->OK@0'],
    ],
    // without a window nothing is ever pending
    ['no window, nothing pending', 'OK@0 CRITICAL@30', rules(), 'CRITICAL', null, ['none->OK@0', 'OK->CRITICAL@30']],
    // an older result changes nothing, the pending problem included
    [
      'an out-of-order OK keeps the pending problem',
      'OK@0 CRITICAL@30 OK@20',
      rules(60),
      'OK',
      'CRITICAL 30..90',
      ['none->OK@0'],
    ],
    // the agent went missing: UNKNOWN, the pending problem forgotten with its run
    [
      'a missing agent clears pending',
      'OK@0 CRITICAL@30 MISSING@60',
      rules(60),
      'UNKNOWN',
      null,
      ['none->OK@0', 'OK->UNKNOWN@60'],
    ],
    // PENDING then missing: the UNKNOWN comes from nothing, since nothing counted before
    [
      'a missing agent ends PENDING from nothing',
      'CRITICAL@0 MISSING@30',
      rules(60),
      'UNKNOWN',
      null,
      ['none->UNKNOWN@30'],
    ],
    // flapping under a window: each CRITICAL restarts the run, so the problem is pending again from its own start
    [
      'flapping under a window shows each new run pending',
      'OK@0 CRITICAL@10 OK@20 CRITICAL@30',
      rules(60),
      'OK',
      'CRITICAL 30..90',
      ['none->OK@0'],
    ],
  ])('%s', (_name, sequence, evaluation, finalStatus, pending, transitions) => {
    const folded = fold(sequence, evaluation);
    const last = folded.states.at(-1)!;
    expect([last.status, pendingOf(last)]).toEqual([finalStatus, pending]);
    expect(folded.transitions.map(show)).toEqual(transitions);
  });

  it('keeps since of a PENDING pair at its first result while the window fills', () => {
    expect(fold('CRITICAL@0 CRITICAL@30 CRITICAL@60', rules(60)).states.map((s) => seconds(s.since))).toEqual([
      0, 0, 60,
    ]);
  });

  it('keeps the latest value, message and observation time even without a transition', () => {
    const { states, transitions } = fold('OK@0 OK@30', rules());
    expect(transitions).toHaveLength(1);
    expect(states[1]).toMatchObject({ value: 30, message: 'OK@30', lastObservedAt: at(30), since: at(0) });
  });

  it('describes a transition with the observation that caused it and reason "result"', () => {
    const { transitions } = fold('OK@0 CRITICAL@30', rules());
    expect(transitions[1]).toEqual({
      from: 'OK',
      previousSince: at(0),
      to: 'CRITICAL',
      at: at(30),
      value: 30,
      message: 'CRITICAL@30',
      reason: 'result',
    });
  });

  it.each<[string, CheckState]>([
    // CRITICAL under no window, then the check was edited to a 10-minute window
    [
      'the window grew since the state became CRITICAL',
      applyResult(null, { status: 'CRITICAL', value: 1, message: null, observedAt: at(0) }, rules()).state,
    ],
    // a stored CRITICAL state without run starts (e.g. written before runs were kept)
    [
      'the CRITICAL state has no run starts',
      {
        status: 'CRITICAL',
        since: at(0),
        value: 1,
        message: null,
        lastObservedAt: at(0),
        warnSince: null,
        critSince: null,
        notifiedAt: null,
        lastRaw: 'CRITICAL',
        changeBits: 0,
        flapping: false,
        pending: null,
      },
    ],
  ])('lowers CRITICAL to WARNING at once while the WARNING run is still pending when %s', (_name, previous) => {
    const next = applyResult(previous, { status: 'WARNING', value: 2, message: null, observedAt: at(30) }, rules(600));
    expect(next.state.status).toBe('WARNING');
    expect(next.transition && show(next.transition)).toBe('CRITICAL->WARNING@30');
  });

  it('returns the previous state unchanged for a result older than the last one applied', () => {
    const previous = applyResult(null, { status: 'OK', value: 1, message: 'up', observedAt: at(60) }, rules()).state;
    const older = applyResult(previous, { status: 'CRITICAL', value: 0, message: 'down', observedAt: at(30) }, rules());
    expect(older).toEqual({ state: previous, transition: null, flap: null });
    expect(older.state).toBe(previous);
  });
});

describe('markMissing', () => {
  const stateAt = (status: Status, runStart: number | null): CheckState => ({
    status,
    since: at(0),
    value: 42,
    message: 'last result',
    lastObservedAt: at(30),
    warnSince: runStart === null ? null : at(runStart),
    critSince: status === 'CRITICAL' && runStart !== null ? at(runStart) : null,
    notifiedAt: null,
    lastRaw: status,
    changeBits: 0,
    flapping: false,
    pending: null,
  });

  it.each<[string, CheckState]>([
    // a healthy check becomes UNKNOWN
    ['OK', stateAt('OK', null)],
    // a WARNING with a run under way becomes UNKNOWN
    ['WARNING', stateAt('WARNING', 10)],
    // a CRITICAL with both runs under way becomes UNKNOWN
    ['CRITICAL', stateAt('CRITICAL', 10)],
  ])('turns %s into UNKNOWN with an agent-missing transition', (from, previous) => {
    const { state, transition } = markMissing(previous, at(100), 'agent silent for 90s');
    expect(transition).toEqual({
      from,
      previousSince: at(0),
      to: 'UNKNOWN',
      at: at(100),
      value: 42,
      message: 'agent silent for 90s',
      reason: 'agent-missing',
    });
    expect(state).toEqual({
      ...previous,
      status: 'UNKNOWN',
      since: at(100),
      message: 'agent silent for 90s',
      warnSince: null,
      critSince: null,
    });
  });

  it('makes no transition and keeps since when the check is already UNKNOWN', () => {
    const previous: CheckState = { ...stateAt('UNKNOWN', null), warnSince: at(10), critSince: at(10) };
    const { state, transition } = markMissing(previous, at(100), 'agent silent for 90s');
    expect(transition).toBeNull();
    expect(state).toEqual({ ...previous, warnSince: null, critSince: null });
  });

  it('does not change the state it was given', () => {
    const previous = stateAt('CRITICAL', 10);
    const copy = structuredClone(previous);
    markMissing(previous, at(100), 'gone');
    expect(previous).toEqual(copy);
  });
});

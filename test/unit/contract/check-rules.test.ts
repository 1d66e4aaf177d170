import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { STORABLE_TEXT_RULE, type CheckSpec } from '../../../contract/index.ts';
import {
  normalizeSpec,
  specProblems,
  uncheckedSpecProblems,
  type NormalizedCheck,
} from '../../../contract/check-rules.ts';

const EXAMPLES = fileURLToPath(new URL('../../../examples/checks', import.meta.url));

// Fixture factories: a fresh valid spec each call, with overrides on top.
const processSpec = (
  probe: NonNullable<CheckSpec['process']> = { name: 'nginx' },
  rest: Partial<CheckSpec> = {},
): CheckSpec => ({
  process: { ...probe },
  ...rest,
});
const cpuSpec = (probe: NonNullable<CheckSpec['cpu']> = { above: 90 }, rest: Partial<CheckSpec> = {}): CheckSpec => ({
  cpu: { ...probe },
  ...rest,
});

describe('specProblems', () => {
  it.each<[string, CheckSpec]>([
    // the smallest process check
    ['a process check by name', processSpec()],
    // by command-line pattern instead
    ['a process check by pattern', processSpec({ pattern: '^/usr/sbin/nginx -g' })],
    // catastrophic for a backtracking engine, linear for the fallback: accepted, and bounded (process-pattern.ts)
    ['a nested quantifier', processSpec({ pattern: '^(a+)+$' })],
    ['a counted repetition of 16', processSpec({ pattern: '^[0-9]{1,16}$' })],
    // the smallest cpu check
    ['a cpu check', cpuSpec()],
    // cpu with every option
    ['a cpu check with warnAbove below above and a window', cpuSpec({ above: 90, warnAbove: 70, for: '5m' })],
    // the shortest allowed interval
    ['an interval of exactly 1s', processSpec(undefined, { interval: '1s' })],
    // the longest allowed interval, and window
    ['an interval of exactly 24h', processSpec(undefined, { interval: '24h' })],
    ['a cpu window of exactly 24h', cpuSpec({ above: 90, for: '23h60m' })],
    // an interval in milliseconds that adds up to more than 1s
    ['an interval of 1500ms', processSpec(undefined, { interval: '1500ms' })],
    // a fixed count
    ['maxCount equal to minCount', processSpec({ name: 'worker', minCount: 4, maxCount: 4 })],
    // "must not run": both counts zero
    ['maxCount 0 with minCount 0', processSpec({ name: 'telnetd', minCount: 0, maxCount: 0 })],
    // maxCount at the default minCount
    ['maxCount 1 with the default minCount', processSpec({ name: 'cron', maxCount: 1 })],
    // selector, severity and notify are not checked here
    [
      'a spec with selector, severity and notify',
      processSpec(undefined, {
        nodeSelector: { matchLabels: { role: 'web' } },
        severity: 'warning',
        notify: { email: ['ops@example.com'] },
      }),
    ],
  ])('finds no problem in %s', (_name, spec) => {
    expect(specProblems(spec)).toEqual([]);
  });

  it.each<[string, string[] | undefined, { field: string; message: string }[]]>([
    ['known names', ['ops', 'chat'], []],
    ['names not checked (no context)', undefined, []],
    [
      'an unknown name, with the field',
      ['chat'],
      [{ field: '/spec/notify/webhooks/0', message: 'no webhook receiver "ops" (known: chat)' }],
    ],
    [
      'no receiver at all',
      [],
      [{ field: '/spec/notify/webhooks/0', message: 'no webhook receiver "ops" (known: none)' }],
    ],
  ])('checks spec.notify.webhooks against the server’s receivers: %s', (_name, known, problems) => {
    const spec = processSpec(undefined, { notify: { webhooks: ['ops'] } });
    expect(specProblems(spec, known ? { webhooks: known } : {})).toEqual(problems);
  });

  it.each<[string, CheckSpec, string[]]>([
    // no probe at all
    ['no probe kind', {}, ['/spec']],
    // two probes in one check
    ['two probe kinds', { process: { name: 'nginx' }, cpu: { above: 90 } }, ['/spec']],
    // a process probe needs something to match
    ['neither name nor pattern', processSpec({}), ['/spec/process']],
    // ambiguous: both
    ['both name and pattern', processSpec({ name: 'nginx', pattern: 'nginx' }), ['/spec/process']],
    // an unbalanced group
    ['an invalid regular expression', processSpec({ pattern: '(nginx' }), ['/spec/process/pattern']],
    // valid JavaScript, but no linear-time engine can run it: refused, so no pattern can hang the agent
    ['a pattern with a backreference', processSpec({ pattern: '^(a+)\\1$' }), ['/spec/process/pattern']],
    ['a pattern with a lookahead', processSpec({ pattern: 'java(?=.*-Xmx)' }), ['/spec/process/pattern']],
    ['a counted repetition past 16', processSpec({ pattern: 'x{1,17}' }), ['/spec/process/pattern']],
    // an invalid quantifier
    ['a pattern starting with a quantifier', processSpec({ pattern: '*nginx' }), ['/spec/process/pattern']],
    // below the explicit minimum
    ['maxCount below minCount', processSpec({ name: 'worker', minCount: 3, maxCount: 2 }), ['/spec/process/maxCount']],
    // below the default minimum of 1
    ['maxCount 0 with the default minCount', processSpec({ name: 'telnetd', maxCount: 0 }), ['/spec/process/maxCount']],
    // the warning threshold must come first
    ['warnAbove equal to above', cpuSpec({ above: 80, warnAbove: 80 }), ['/spec/cpu/warnAbove']],
    // and not above
    ['warnAbove above above', cpuSpec({ above: 80, warnAbove: 95 }), ['/spec/cpu/warnAbove']],
    // not a duration
    ['a cpu window that is not a duration', cpuSpec({ above: 90, for: 'a while' }), ['/spec/cpu/for']],
    // too frequent
    ['an interval below 1s', processSpec(undefined, { interval: '999ms' }), ['/spec/interval']],
    // past the documented maximum (and Node's timer limit, ~24.8 days, where the agent span)
    ['an interval over 24h', processSpec(undefined, { interval: '24h1ms' }), ['/spec/interval']],
    ['an interval of 720h', processSpec(undefined, { interval: '720h' }), ['/spec/interval']],
    // a number no Date can hold (check-outs answered 500 with "0NaN-NaN-…")
    ['an interval of 10^20 hours', processSpec(undefined, { interval: '99999999999999999999h' }), ['/spec/interval']],
    ['a cpu window over 24h', cpuSpec({ above: 90, for: '25h' }), ['/spec/cpu/for']],
    ['a cpu window of 10^20 hours', cpuSpec({ above: 90, for: '99999999999999999999h' }), ['/spec/cpu/for']],
    // zero
    ['an interval of 0s', processSpec(undefined, { interval: '0s' }), ['/spec/interval']],
    // not a duration
    ['an interval that is not a duration', processSpec(undefined, { interval: 'often' }), ['/spec/interval']],
    // several problems are all reported
    [
      'several problems at once',
      processSpec({ name: 'a', pattern: '(', minCount: 2, maxCount: 1 }, { interval: '10ms' }),
      ['/spec/interval', '/spec/process', '/spec/process/pattern', '/spec/process/maxCount'],
    ],
  ])('reports %s', (_name, spec, fields) => {
    expect(specProblems(spec).map((p) => p.field)).toEqual(fields);
  });

  it('says why a pattern that cannot run in linear time is refused', () => {
    expect(specProblems(processSpec({ pattern: '(a)\\1' }))).toEqual([
      {
        field: '/spec/process/pattern',
        message: 'cannot be matched in linear time: no backreferences, lookahead or counted repetition past {16}',
      },
    ]);
  });

  it('names the regular expression error in the message', () => {
    const [problem] = specProblems(processSpec({ pattern: '(nginx' }));
    expect(problem?.message).toMatch(/^not a valid regular expression: SyntaxError: .+/);
  });

  it('names the probe kinds when the kind is missing', () => {
    expect(specProblems({})[0]?.message).toBe(
      'exactly one probe kind is required (one of process, cpu, memory, disk, load, tcp, http)',
    );
  });
});

describe('normalizeSpec', () => {
  it.each<[string, CheckSpec, NormalizedCheck]>([
    // every default: 30s, no window, critical, all agents
    [
      'fills in the defaults for a bare process check',
      processSpec(),
      { kind: 'process', intervalSeconds: 30, sustainMs: 0, severity: 'critical', matchLabels: {}, agents: 'all' },
    ],
    // every option set
    [
      'takes interval, window, severity and selector from a cpu check',
      cpuSpec(
        { above: 90, for: '5m' },
        { interval: '1m', severity: 'warning', nodeSelector: { matchLabels: { role: 'db' } } },
      ),
      {
        kind: 'cpu',
        intervalSeconds: 60,
        sustainMs: 300_000,
        severity: 'warning',
        matchLabels: { role: 'db' },
        agents: 'all',
      },
    ],
    // compound intervals
    [
      'converts a compound interval to seconds',
      processSpec(undefined, { interval: '1m30s' }),
      { kind: 'process', intervalSeconds: 90, sustainMs: 0, severity: 'critical', matchLabels: {}, agents: 'all' },
    ],
    // a selector without matchLabels selects all
    [
      'treats a selector without matchLabels as all agents',
      processSpec(undefined, { nodeSelector: {} }),
      { kind: 'process', intervalSeconds: 30, sustainMs: 0, severity: 'critical', matchLabels: {}, agents: 'all' },
    ],
    // a cpu check without a window counts at once
    [
      'gives a cpu check without for no window',
      cpuSpec({ above: 90 }),
      { kind: 'cpu', intervalSeconds: 30, sustainMs: 0, severity: 'critical', matchLabels: {}, agents: 'all' },
    ],
    // one agent of the selected ones runs it
    [
      'keeps agents: any',
      cpuSpec({ above: 90 }, { agents: 'any' }),
      { kind: 'cpu', intervalSeconds: 30, sustainMs: 0, severity: 'critical', matchLabels: {}, agents: 'any' },
    ],
  ])('%s', (_name, spec, expected) => {
    expect(normalizeSpec(spec)).toEqual(expected);
  });
});

// A Check resource's spec has been through the CRD schema only, which lacks the storable-text rule.
describe('uncheckedSpecProblems', () => {
  const examples = readdirSync(EXAMPLES).map((file) => [file, parse(readFileSync(join(EXAMPLES, file), 'utf8'))]);

  it.each(examples)('finds nothing in examples/checks/%s', (_file, doc) => {
    expect(uncheckedSpecProblems(doc.spec)).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    // a NUL, which PostgreSQL's jsonb refuses, in each kind of stored text
    ['a process name', { process: { name: 'ng\u0000inx' } }, '/spec/process/name'],
    ['a process pattern', { process: { pattern: '^nginx\u0000' } }, '/spec/process/pattern'],
    [
      'a node selector value',
      { cpu: { above: 90 }, nodeSelector: { matchLabels: { role: 'w\u0000' } } },
      '/spec/nodeSelector/matchLabels/role',
    ],
    [
      'an http body match',
      { http: { url: 'http://example.com/', bodyContains: 'o\u0000k' } },
      '/spec/http/bodyContains',
    ],
  ])('refuses a NUL in %s, naming the field', (_what, spec, field) => {
    expect(uncheckedSpecProblems(spec)).toEqual([{ field, message: STORABLE_TEXT_RULE }]);
  });

  it('then applies the rules beyond the schema, with the server’s context', () => {
    const spec = processSpec({ pattern: '([unclosed' }, { notify: { webhooks: ['ops'] } });
    expect(uncheckedSpecProblems(spec, { webhooks: [] }).map((p) => p.field)).toEqual([
      '/spec/notify/webhooks/0',
      '/spec/process/pattern',
    ]);
  });
});

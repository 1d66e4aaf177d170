// Process patterns run in bounded time whatever the input (ADR 6): V8's
// backtracking engine falls back to its linear one on excessive backtracking.
import { describe, expect, it } from 'vitest';
import { compilePattern, patternProblem } from '../../../contract/process-pattern.ts';

describe('compilePattern', () => {
  it.each<[string, string, string, boolean]>([
    // exponential for a backtracking engine (2^40 paths): never returned before the fallback
    ['a nested quantifier on 40 a’s', '^(a+)+$', `${'a'.repeat(40)}!`, false],
    // and on a command line as long as Linux allows one argument (128 KiB)
    ['a nested quantifier on 128 KiB', '^(a+)+$', `${'a'.repeat(128 * 1024)}!`, false],
    ['alternation that overlaps', '^(a|aa)+$', `${'a'.repeat(5000)}!`, false],
    // ordinary patterns still match
    ['an ordinary pattern', '^/usr/sbin/nginx( |$)', '/usr/sbin/nginx -g daemon off;', true],
  ])('answers %s at once', (_name, pattern, input, expected) => {
    const started = performance.now();
    expect(compilePattern(pattern).test(input)).toBe(expected);
    expect(performance.now() - started).toBeLessThan(2000); // bounded; a backtracking engine takes hours
  });

  it('refuses what the linear engine cannot run, and says why', () => {
    expect(() => compilePattern('(a)\\1')).toThrow(/cannot be matched in linear time/);
    expect(patternProblem('(')).toMatch(/^not a valid regular expression: SyntaxError/);
    expect(patternProblem('^nginx: worker')).toBeNull();
  });
});

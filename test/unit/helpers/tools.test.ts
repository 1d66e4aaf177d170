import { describe, expect, it } from 'vitest';
import { inCi } from '../../helpers/tools.ts';

describe('inCi', () => {
  it.each([
    // unset or an explicit "no": a developer's machine, missing services skip
    [undefined, false],
    ['', false],
    ['0', false],
    ['false', false],
    ['FALSE', false],
    ['no', false],
    ['Off', false],
    [' false ', false],
    // anything else a runner sets is CI, where missing services fail
    ['true', true],
    ['True', true],
    ['1', true],
    ['yes', true],
    ['YES', true],
    ['on', true],
    ['woodpecker', true],
  ])('CI=%j is CI: %s', (value, expected) => {
    const env = value === undefined ? {} : { CI: value };
    expect(inCi(env)).toBe(expected);
  });
});

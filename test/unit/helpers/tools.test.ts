import { beforeAll, describe, expect, it } from 'vitest';
import { acquire, inCi, touch } from '../../helpers/tools.ts';

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

describe('the services a test ran on (task.meta.services)', () => {
  // What a suite sets up once (a tool found, a service started in beforeAll) counts for each of its tests.
  beforeAll(() => touch('set up by the suite'));

  it('are those its suite set up and those it used itself', ({ task, onTestFinished }) => {
    touch('used by this test');
    acquire('started and stopped by this test')();
    onTestFinished(() => {
      expect(task.meta.services).toEqual([
        'set up by the suite',
        'started and stopped by this test',
        'used by this test',
      ]);
      forget(task);
    });
  });

  it('do not carry over what an earlier test used', ({ task, onTestFinished }) => {
    onTestFinished(() => {
      expect(task.meta.services).toEqual(['set up by the suite']);
      forget(task);
    });
  });
});

/** These names are made up: once checked, they stay out of the run's report of real services. */
function forget(task: { meta: { services?: string[] } }): void {
  task.meta.services = [];
}

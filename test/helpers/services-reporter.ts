// Prints, after a run, how many tests ran on each real service (the services
// tests record through test/helpers/tools.ts), so a CI log shows which ran and
// a suite that skipped its service shows up as a 0.
import type { Reporter, TestModule } from 'vitest/node';

/** Always listed, 0 when nothing used them; any other recorded service is listed too. */
const EXPECTED = [
  'PostgreSQL',
  'PGlite',
  'SMTP',
  'kube-apiserver',
  'single-node cluster',
  'Chromium',
  'promtool',
  'Alertmanager',
  'hadolint',
  'schemathesis',
  'helm',
  'kubectl',
];

export default class ServicesReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = new Map(EXPECTED.map((name) => [name, { passed: 0, failed: 0 }]));
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state !== 'passed' && state !== 'failed') continue;
        for (const name of test.meta().services ?? []) {
          const count = counts.get(name) ?? { passed: 0, failed: 0 };
          count[state] += 1;
          counts.set(name, count);
        }
      }
    }
    const width = Math.max(...[...counts.keys()].map((name) => name.length));
    const lines = [...counts].map(
      ([name, { passed, failed }]) => `  ${name.padEnd(width)}  ${passed} passed${failed ? `, ${failed} failed` : ''}`,
    );
    console.log(`\n[vilicus:test] tests run on real services:\n${lines.join('\n')}`);
  }
}

// The CRD's CEL bounds durations as the server does (check-rules.ts,
// thresholds.ts): the API server itself refuses a Check past them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnvtest, type Envtest } from '../../k8s/envtest.ts';
import { kubectlFor } from '../../k8s/run.ts';

let env: Envtest;
let kubectl: ReturnType<typeof kubectlFor>;
const checkYaml = (name: string, spec: string): string =>
  `apiVersion: vilicus.dev/v1alpha1\nkind: Check\nmetadata: { name: ${name}, namespace: default }\nspec:\n${spec}`;

beforeAll(async () => {
  env = await startEnvtest();
  kubectl = kubectlFor(env.kubeconfig);
}, 180_000);
afterAll(async () => env?.stop(), 60_000);

describe('Check durations at the API server', () => {
  it.each([
    ['an interval of 720h', '  cpu: { above: 90 }\n  interval: 720h\n', /interval must be a duration from 1s to 24h/],
    ['an interval of 10^20 hours', '  cpu: { above: 90 }\n  interval: 99999999999999999999h\n', /interval/],
    ['an interval under 1s', '  cpu: { above: 90 }\n  interval: 500ms\n', /interval must be a duration from 1s/],
    ['a window over 24h', '  cpu: { above: 90, for: 25h }\n', /for must be a duration of at most 24h/],
    ['a timeout over 60s', '  tcp: { host: db, port: 5432, timeout: 61s }\n', /timeout must be a duration above 0/],
  ])('refuses %s', async (_name, spec, message) => {
    await expect(kubectl(['apply', '-f', '-'], checkYaml('too-long', spec))).rejects.toThrow(message);
  });

  it('accepts the bounds themselves', async () => {
    const spec = '  cpu: { above: 90, for: 24h }\n  interval: 24h\n';
    await kubectl(['apply', '-f', '-'], checkYaml('at-the-bounds', spec));
    expect(await kubectl(['get', 'check', 'at-the-bounds', '-o', 'name'])).toContain('at-the-bounds');
  });
});

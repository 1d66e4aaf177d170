import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { probeKinds } from '../../../contract/index.ts';
import { checkCrd, structural } from '../../../server/k8s/crd.ts';
import { crdYaml } from '../../../server/k8s/crd-yaml.ts';

describe('the Check CRD', () => {
  it('is the committed file, generated from the contract (run `npm run crd` after a contract change)', () => {
    const committed = readFileSync(new URL('../../../crds/checks.vilicus.dev.yaml', import.meta.url), 'utf8');
    expect(committed).toBe(crdYaml());
  });

  it('has a CEL rule per probe kind with rules, and the exactly-one-kind rule on the spec', () => {
    const crd = checkCrd() as any;
    const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;
    expect(spec['x-kubernetes-validations'][0].rule).toContain('.filter(x, x).size() == 1');
    for (const kind of probeKinds)
      expect(spec.properties[kind]['x-kubernetes-validations']?.length ?? 0).toBeGreaterThan(0);
  });

  it.each([
    // a union of literals becomes an enum
    [
      {
        anyOf: [
          { type: 'string', const: 'a' },
          { type: 'string', const: 'b' },
        ],
      },
      { type: 'string', enum: ['a', 'b'] },
    ],
    // a record becomes additionalProperties
    [
      { type: 'object', patternProperties: { '^.*$': { type: 'string' } } },
      { type: 'object', additionalProperties: { type: 'string' } },
    ],
    // additionalProperties: false next to properties is dropped (the API server prunes instead)
    [
      { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false },
      { type: 'object', properties: { a: { type: 'string' } } },
    ],
  ])('makes %j structural', (input, expected) => {
    expect(structural(input)).toEqual(expected);
  });
});

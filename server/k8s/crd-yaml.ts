import { stringify } from 'yaml';
import { checkCrd } from './crd.ts';

/** The CRD file as committed: a header, then the generated document. */
export function crdYaml(): string {
  const header = '# Generated from contract by `npm run crd` — edit the contract, not this file.\n';
  return header + stringify(checkCrd(), { lineWidth: 0 });
}

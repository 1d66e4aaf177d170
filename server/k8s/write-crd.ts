// `npm run crd`: regenerate crds/checks.vilicus.dev.yaml from the contract.
import { writeFileSync } from 'node:fs';
import { crdYaml } from './crd-yaml.ts';

const path = new URL('../../crds/checks.vilicus.dev.yaml', import.meta.url);
writeFileSync(path, crdYaml());
process.stdout.write(`wrote ${path.pathname}\n`);

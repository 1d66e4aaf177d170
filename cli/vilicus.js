#!/usr/bin/env node
// The `vilicus` command. In a checkout it runs the TypeScript source directly
// (Node >= 22.18 strips types); installed from npm (under node_modules, where
// Node does not strip types) it runs the build from `npm run build:server`
// (cli/build-server.ts), which holds less memory (ADR 9, part 4).
// An older Node would die on the first `.ts` import (ERR_UNKNOWN_FILE_EXTENSION):
// it is told what it needs instead.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tooOld } from './node-version.js';

const old = tooOld(process.versions.node, process.argv.slice(2));
if (old) {
  process.stderr.write(`${old}\n`);
  process.exit(1);
}
const here = fileURLToPath(import.meta.url);
const built = new URL('../dist/vilicus-server/main.js', import.meta.url);
const installed = here.includes('/node_modules/');
await import(installed && existsSync(built) ? built.href : new URL('./main.ts', import.meta.url).href);

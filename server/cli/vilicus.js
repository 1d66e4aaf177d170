#!/usr/bin/env node
// The `vilicus` command. In a checkout it runs the TypeScript source directly
// (Node >= 22.18 strips types); installed from npm (under node_modules, where
// Node does not strip types) it runs the build from `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const built = new URL('../../dist/server/cli/main.js', import.meta.url);
const installed = here.includes('/node_modules/');
await import(installed && existsSync(built) ? built.href : new URL('./main.ts', import.meta.url).href);

// The README and docs/errors.md tell the truth about settings and error codes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { agentSettings } from '../../../agent/config.ts';
import { clientSettings, serverSettings } from '../../../server/config.ts';
import { errors } from '../../../server/errors.ts';
import { settingRows } from './settings-table.ts';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const errorsDoc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

describe('README settings tables', () => {
  it.each([
    ['server', serverSettings],
    ['agent', agentSettings],
    ['client', clientSettings],
  ] as const)('lists every %s setting with its flag, env names, default and help', (_name, table) => {
    for (const row of settingRows(table)) expect(readme).toContain(row);
  });

  it('shows the two commands of a fresh machine', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });
});

describe('docs/errors.md', () => {
  it.each(Object.values(errors))('lists $code with status $status', (error) => {
    expect(errorsDoc).toContain(`| \`${error.code}\` | ${error.status} | ${error.message} |`);
  });
});

// One config module per program: server/config.ts and agent/config.ts are the
// only sources of the programs (server/, agent/, cli/, contract/) that name the
// environment object, so a plain text search for it finds the readers alone.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(repo, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(dir, file));
}

describe('reading the environment', () => {
  it('is named only in server/config.ts and agent/config.ts', () => {
    const naming = ['server', 'agent', 'cli', 'contract']
      .flatMap(sources)
      .filter((file) => readFileSync(join(repo, file), 'utf8').includes('process.env'));
    expect(naming.map((file) => relative('.', file)).sort()).toEqual(['agent/config.ts', 'server/config.ts']);
  });
});

import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenSource } from '../../../agent/token-file.ts';

describe('tokenSource', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = (content: string): string => {
    dir = mkdtempSync(join(tmpdir(), 'vilicus-token-'));
    const path = join(dir, 'token');
    writeFileSync(path, content);
    return path;
  };

  it('is the token itself without a token file', () => {
    expect(tokenSource({ token: 'vat_x', tokenFile: undefined })).toBe('vat_x');
  });

  it('is the --token when both are given (it wins over the file)', () => {
    expect(tokenSource({ token: 'vat_flag', tokenFile: file('from-file\n') })).toBe('vat_flag');
  });

  it('follows the file when the kubelet replaces the token', () => {
    const path = file('first\n');
    const source = tokenSource({ token: 'first', tokenFile: path });
    expect(typeof source).toBe('function');
    const current = source as () => string;
    expect(current()).toBe('first');
    writeFileSync(path, 'second\n');
    utimesSync(path, new Date(), new Date(Date.now() + 5000)); // a clearly new mtime
    expect(current()).toBe('second');
  });

  it('keeps the last token while the file is gone', () => {
    const path = file('first');
    const current = tokenSource({ token: 'first', tokenFile: path }) as () => string;
    rmSync(path);
    expect(current()).toBe('first');
  });
});

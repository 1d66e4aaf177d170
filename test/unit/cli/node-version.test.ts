// `vilicus` on a Node.js too old for it says so (and how to get a newer one)
// instead of dying on the first `.ts` import.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tooOld } from '../../../cli/node-version.js';
import { debianNode } from '../../helpers/tools.ts';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../../cli/vilicus.js', import.meta.url));

describe('the Node.js version check', () => {
  it.each([
    ['20.20.2', true], // Debian's, and the default on many machines
    ['22.21.9', true], // one minor short
    ['18.0.0', true],
    ['22.22.0', false], // the oldest that runs it
    ['22.23.1', false],
    ['24.21.0', false],
    ['26.0.0', false],
  ])('%s too old: %s', (version, old) => {
    expect(tooOld(version) !== null).toBe(old);
  });

  it('names the version it needs, the one it has, and the command to run instead', () => {
    expect(tooOld('20.20.2', ['get', 'checks'])).toBe(
      'vilicus needs Node.js ≥ 22.22; this is 20.20.2.\n' +
        'Install Node.js 24 (https://nodejs.org, or `nvm install 24`), or run vilicus once with it through npx:\n' +
        '  npx -p node@24 -p vilicus vilicus get checks',
    );
  });

  it.runIf(debianNode.run)("exits 1 with that message under the machine's own node", async () => {
    const node = debianNode.require();
    const { stdout: version } = await run(node, ['-p', 'process.versions.node']);
    const outcome = await run(node, [BIN, 'version']).then(
      ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    if (tooOld(version.trim())) {
      expect(outcome.code).toBe(1);
      expect(outcome.stderr).toBe(`${tooOld(version.trim(), ['version'])}\n`);
    } else {
      expect(outcome).toMatchObject({ code: 0 }); // a newer system Node simply runs it
    }
  });
});

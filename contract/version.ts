import { readFileSync } from 'node:fs';

// The one-file agent (cli/build-agent.ts) has this replaced by esbuild's
// `define`; when the sources or the server's build run, it is not declared.
declare const VILICUS_BUNDLE: { version: string } | undefined;

/** True in the one-file agent: there is no package.json beside it, and none of pino's transport files. */
export const BUNDLED: boolean = typeof VILICUS_BUNDLE !== 'undefined';

/** The package version, read once (from the sources, the build, or the bundle's define). */
export const VERSION: string = BUNDLED ? VILICUS_BUNDLE!.version : packageVersion();

function packageVersion(): string {
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'vilicus' && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}

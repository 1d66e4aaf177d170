import { readFileSync } from 'node:fs';

// The esbuild builds (the one-file agent, cli/build-agent.ts, and the server's,
// cli/build-server.ts) have this replaced by esbuild's `define`; when the
// sources or tsc's build run, it is not declared.
declare const VILICUS_BUNDLE: { version: string; oneFile: boolean } | undefined;

/** True in an esbuild build: there is no package.json beside it. */
export const BUNDLED: boolean = typeof VILICUS_BUNDLE !== 'undefined';

/** True in the one-file agent alone: no npm package beside it, so none of pino's transport files (the server's build keeps pino in node_modules). */
export const ONE_FILE: boolean = BUNDLED && VILICUS_BUNDLE!.oneFile;

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

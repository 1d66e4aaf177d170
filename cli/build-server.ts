// `npm run build:server`: the `vilicus` command as shipped (the server image,
// the npm package), in dist/vilicus-server/ (cli/README.md, ADR 9 part 4).
// esbuild bundles cli/main.ts with the project's code and its npm
// dependencies into ES modules, split where the code imports on demand (the
// Kubernetes mode, the embedded database, the agent, the client commands), so
// each mode still loads only what it runs. Node then strips no TypeScript:
// its stripper (amaro, ~11 MiB of WebAssembly) is never loaded, and the
// ~1,300 modules of the sources become a few dozen.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { bundleOptions, packagesOf, REPO } from './bundle.ts';

/**
 * The npm packages the build leaves out and loads from node_modules at run time,
 * each for a reason of its own:
 */
export const SERVER_EXTERNAL: readonly string[] = [
  // PGlite reads its WebAssembly and data files beside its own modules, and only the embedded database loads it
  // (server/db/embedded.ts, also in a child process by its package name).
  '@electric-sql/pglite',
  '@electric-sql/pglite-socket',
  // pino's transports (pino-pretty on a terminal) run in a worker thread from pino's own files.
  'pino',
  'pino-pretty',
];

/** The dashboard's chart library, served from the build's public/ (server/ui/static-routes.ts). */
const UPLOT_FILES = ['uPlot.esm.js', 'uPlot.min.css'];

// Bundled CommonJS packages call require() for Node's modules; an ES module has none of its own.
const REQUIRE_BANNER =
  "import { createRequire as __vilicusRequire } from 'node:module';\nconst require = __vilicusRequire(import.meta.url);";

export interface ServerBuild {
  dir: string;
  /** The npm packages inside the bundle. */
  packages: string[];
  /** esbuild's account of the build: which output file holds which input. */
  metafile: Metafile;
}

/**
 * `withPackages`: also copy the external packages and what they depend on into
 * `<dir>/node_modules`, so the folder runs on its own (the server image); the
 * npm package installs them as its dependencies instead.
 */
export async function buildServer(outDir = `${REPO}dist/vilicus-server`, withPackages = false): Promise<ServerBuild> {
  rmSync(outDir, { recursive: true, force: true });
  const { metafile } = await build({
    ...bundleOptions(false),
    // The history fold's worker thread loads its own module (server/db/history/fold-thread.ts): an entry of its own.
    entryPoints: { main: `${REPO}cli/main.ts`, 'fold-worker': `${REPO}server/db/history/fold-worker.ts` },
    outdir: outDir,
    format: 'esm',
    splitting: true,
    external: [...SERVER_EXTERNAL],
    banner: { js: REQUIRE_BANNER },
    // Minified: Node keeps every module's source text and compiles from it, and the short names held the
    // server at 1,000 × 20 ~25 MiB lower than the same bundle unminified (ADR 9, part 4). keepNames: MikroORM
    // and fastify read class and function names. The source maps are for `--enable-source-maps`, which
    // turns a stack trace back into the sources' names; Node reads them only then.
    minify: true,
    keepNames: true,
    sourcemap: 'linked',
  });
  cpSync(`${REPO}server/ui/public`, join(outDir, 'public'), { recursive: true });
  for (const name of UPLOT_FILES) cpSync(resolveFrom(REPO, `uplot/dist/${name}`), join(outDir, 'public', name));
  // `vilicus up` applies these on its first start (cli/up.ts).
  cpSync(`${REPO}examples/checks`, join(outDir, 'examples', 'checks'), { recursive: true });
  if (withPackages) copyPackages(SERVER_EXTERNAL, join(outDir, 'node_modules'));
  return { dir: outDir, packages: packagesOf(metafile), metafile };
}

function resolveFrom(dir: string, specifier: string): string {
  return createRequire(join(dir, 'noop.js')).resolve(specifier);
}

/** The folder of package `name` as Node finds it from `from` (the nearest node_modules up the tree). */
function packageDir(name: string, from: string): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/** `names` and their dependencies, each copied to `<to>/<name>` (nested node_modules come along inside). */
function copyPackages(names: readonly string[], to: string): void {
  const queue = names.map((name) => ({ name, from: REPO, optional: false }));
  const done = new Set<string>();
  for (let next = queue.shift(); next; next = queue.shift()) {
    const dir = packageDir(next.name, next.from);
    if (!dir) {
      if (next.optional) continue;
      throw new Error(`the server build needs ${next.name}, which is not installed`);
    }
    if (done.has(dir)) continue;
    done.add(dir);
    // A hoisted package goes to the top of the copy; a nested one came inside its parent's folder.
    if (dir === join(REPO, 'node_modules', next.name)) {
      mkdirSync(dirname(join(to, next.name)), { recursive: true });
      cpSync(dir, join(to, next.name), { recursive: true });
    }
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const name of Object.keys(pkg.dependencies ?? {})) queue.push({ name, from: dir, optional: false });
    for (const name of Object.keys(pkg.optionalDependencies ?? {})) queue.push({ name, from: dir, optional: true });
  }
}

if (import.meta.main) {
  const { dir, packages } = await buildServer(undefined, process.argv.includes('--with-packages'));
  process.stdout.write(`${dir}: npm packages inside: ${packages.join(', ')}\n`);
}

// `npm run build:agent`: the one-file agent and the vilicus-agent npm package
// around it, in dist/vilicus-agent/ (cli/README.md). esbuild bundles
// cli/vilicus-agent.ts with the agent, the contract and the agent's npm
// dependencies into vilicus-agent.cjs; nothing of the server is reachable from
// there (npm run lint's layering check), and the build fails if any got in.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';

const REPO = fileURLToPath(new URL('../', import.meta.url));

/** The npm packages the agent may carry (agent/README.md): pino and what it runs; anything else in the bundle fails the build. */
export const AGENT_PACKAGES: readonly string[] = [
  'pino',
  '@pinojs/redact',
  'pino-std-serializers',
  'quick-format-unescaped',
  'safe-stable-stringify',
  'sonic-boom',
  'atomic-sleep',
  'on-exit-leak-free',
];

/** The npm packages a metafile's inputs come from (`node_modules/<name>/…`, scoped names whole). */
export function packagesOf(metafile: Metafile): string[] {
  const names = Object.keys(metafile.inputs).flatMap((input) => {
    const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    return match ? [match[1]!] : [];
  });
  return [...new Set(names)].sort();
}

/**
 * What the agent's npm dependencies load at start but never run in the one
 * file, each replaced by a stub here: every module Node loads stays resident,
 * its source and its compiled code (agent/README.md, "Resident memory").
 * By the importing file under node_modules and the specifier it asks for.
 */
const STUBS: readonly { importer: RegExp; specifier: RegExp; contents: string }[] = [
  // pino's transports run in a worker thread from pino's own files, which one file does not have (agent/log.ts);
  // loading them means thread-stream, node:worker_threads and node:module.
  {
    importer: /\/pino\/(pino|lib\/tools)\.js$/,
    specifier: /^\.\/(lib\/)?transport$/,
    contents: "module.exports = () => { throw new Error('pino transports do not run in the one-file agent'); };",
  },
  // pino asks only whether it runs on the main thread, which the agent always does.
  { importer: /\/pino\/lib\/tools\.js$/, specifier: /^worker_threads$/, contents: 'exports.isMainThread = true;' },
  // sonic-boom's one precondition (its fd is a number): node:assert would load ~0.4 MiB for it.
  {
    importer: /\/sonic-boom\/index\.js$/,
    specifier: /^assert$/,
    contents: 'module.exports = (ok, message) => { if (!ok) throw new Error(message); };',
  },
];

const stubs: Plugin = {
  name: 'agent-stubs',
  setup(b) {
    b.onResolve({ filter: /^(\.\/(lib\/)?transport|worker_threads|assert)$/ }, (args) => {
      const i = STUBS.findIndex((s) => s.specifier.test(args.path) && s.importer.test(args.importer));
      return i < 0 ? undefined : { path: String(i), namespace: 'agent-stub' };
    });
    b.onLoad({ filter: /.*/, namespace: 'agent-stub' }, (args) => ({ contents: STUBS[Number(args.path)]!.contents }));
  },
};

export async function buildAgent(outDir = `${REPO}dist/vilicus-agent`): Promise<{ file: string; packages: string[] }> {
  const pkg = JSON.parse(readFileSync(`${REPO}package.json`, 'utf8')) as { version: string; engines: object };
  rmSync(outDir, { recursive: true, force: true });
  const file = `${outDir}/vilicus-agent.cjs`;
  const { metafile } = await build({
    entryPoints: [`${REPO}cli/vilicus-agent.ts`],
    outfile: file,
    bundle: true,
    platform: 'node',
    // CommonJS, not ESM: Node then loads none of its ES module loader (~1.3 MiB less resident, agent/README.md).
    format: 'cjs',
    target: 'node22',
    // Only for macOS/BSD/Windows process listing (agent/probes/proc-table.ts); Linux never loads it.
    external: ['systeminformation'],
    define: { VILICUS_BUNDLE: JSON.stringify({ version: pkg.version }) },
    banner: { js: '#!/usr/bin/env node' },
    // contract/version.ts reads import.meta.url only when not bundled (VILICUS_BUNDLE is defined here).
    logOverride: { 'empty-import-meta': 'silent' },
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: 'none',
    metafile: true,
    plugins: [stubs],
    logLevel: 'warning',
  });
  const packages = packagesOf(metafile);
  const stray = packages.filter((name) => !AGENT_PACKAGES.includes(name));
  if (stray.length) throw new Error(`the agent bundle holds packages it may not: ${stray.join(', ')}`);
  const server = Object.keys(metafile.inputs).filter((input) => /(^|\/)server\//.test(input));
  if (server.length) throw new Error(`the agent bundle holds server code: ${server.join(', ')}`);
  writeFileSync(
    `${outDir}/package.json`,
    `${JSON.stringify(
      {
        name: 'vilicus-agent',
        version: pkg.version,
        description: 'The vilicus agent alone, in one file: runs this host’s checks and reports to a vilicus server.',
        license: 'Apache-2.0',
        type: 'module',
        bin: { 'vilicus-agent': 'vilicus-agent.cjs' },
        engines: pkg.engines,
        // macOS, BSD and Windows list processes through it; Linux reads /proc and never loads it.
        optionalDependencies: { systeminformation: dependencyRange('systeminformation') },
        files: ['vilicus-agent.cjs'],
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(
    `${outDir}/README.md`,
    '# vilicus-agent\n\nThe vilicus agent in one file. `vilicus-agent --help`; see the vilicus README, "Monitoring more hosts".\n',
  );
  return { file, packages };
}

function dependencyRange(name: string): string {
  const pkg = JSON.parse(readFileSync(`${REPO}package.json`, 'utf8')) as { dependencies: Record<string, string> };
  return pkg.dependencies[name]!;
}

if (import.meta.main) {
  const { file, packages } = await buildAgent();
  process.stdout.write(`${file}: npm packages inside: ${packages.join(', ')}\n`);
}

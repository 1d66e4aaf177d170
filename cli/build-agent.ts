// `npm run build:agent`: the one-file agent and the vilicus-agent npm package
// around it, in dist/vilicus-agent/ (cli/README.md). esbuild bundles
// cli/vilicus-agent.ts with the agent, the contract and the agent's npm
// dependencies into vilicus-agent.cjs; nothing of the server is reachable from
// there (npm run lint's layering check), and the build fails if any got in.
import { rmSync, writeFileSync } from 'node:fs';
import { build, type Plugin } from 'esbuild';
import { bundleOptions, packageJson, packagesOf, REPO } from './bundle.ts';

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
  const pkg = packageJson();
  rmSync(outDir, { recursive: true, force: true });
  const file = `${outDir}/vilicus-agent.cjs`;
  const { metafile } = await build({
    ...bundleOptions(true),
    entryPoints: [`${REPO}cli/vilicus-agent.ts`],
    outfile: file,
    // CommonJS, not ESM: Node then loads none of its ES module loader (~1.3 MiB less resident, agent/README.md).
    format: 'cjs',
    // Only for macOS/BSD/Windows process listing (agent/probes/proc-table.ts); Linux never loads it.
    external: ['systeminformation'],
    banner: { js: '#!/usr/bin/env node' },
    minifySyntax: true,
    minifyWhitespace: true,
    plugins: [stubs],
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
        optionalDependencies: { systeminformation: pkg.dependencies['systeminformation'] },
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

if (import.meta.main) {
  const { file, packages } = await buildAgent();
  process.stdout.write(`${file}: npm packages inside: ${packages.join(', ')}\n`);
}

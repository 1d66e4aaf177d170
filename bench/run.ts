// `npm run bench [-- --quick | --long] [--only NAME[,NAME]] [--write]`
// Runs the benchmarks one after the other on one durable PostgreSQL and ends
// with the summary: `name: value` lines. A full run (no --quick) also writes
// bench/RESULTS.md; --quick (CI) writes nothing, it only keeps the scripts alive.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { killAll } from '../test/helpers/processes.ts';
import { benchAgentCost } from './agent-cost.ts';
import { benchDetection } from './detection.ts';
import { benchEmbedded } from './embedded.ts';
import { benchIngest } from './ingest.ts';
import { startBenchPostgres, type BenchContext, type Mode } from './lib/setup.ts';
import { resultsMarkdown } from './lib/results-file.ts';
import { Summary } from './lib/stats.ts';
import { benchScale } from './scale.ts';
import { benchStorage } from './storage.ts';

const benches = {
  ingest: benchIngest,
  agent: benchAgentCost,
  detection: benchDetection,
  scale: benchScale,
  embedded: benchEmbedded,
  storage: benchStorage,
} as const;
type Name = keyof typeof benches;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      long: { type: 'boolean', default: false },
      only: { type: 'string' },
      write: { type: 'boolean' },
    },
  });
  const mode: Mode = values.long ? 'long' : values.quick ? 'quick' : 'full';
  // --long is the ingest soak by default; `--long --only scale` is the scale run's memory soak; the others have no long form.
  const names = (values.only?.split(',') ?? (mode === 'long' ? ['ingest'] : Object.keys(benches))) as Name[];
  const unknown = names.filter((n) => !(n in benches));
  if (unknown.length > 0)
    throw new Error(`unknown benchmark(s): ${unknown.join(', ')} (have ${Object.keys(benches).join(', ')})`);
  const summary = new Summary();
  const started = Date.now();
  const postgres = await startBenchPostgres();
  const ctx: BenchContext = { mode, postgres };
  try {
    for (const name of names) {
      console.log(`\n== ${name} (${mode}) ==`);
      const t0 = Date.now();
      await benches[name](ctx, summary);
      console.log(`  (${name} took ${Math.round((Date.now() - t0) / 1000)} s)`);
    }
  } finally {
    await killAll();
    await postgres.stop();
  }
  summary.add('bench_seconds', Math.round((Date.now() - started) / 1000));
  console.log(`\n== summary (${mode}) ==\n${summary.text()}`);
  if (values.write ?? mode === 'full') {
    const file = new URL('./RESULTS.md', import.meta.url);
    writeFileSync(file, resultsMarkdown(summary, mode, process.argv.slice(2)));
    console.log(`\nwrote ${file.pathname}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

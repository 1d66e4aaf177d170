// A process of simulated agents: `node bench/lib/sim-worker.ts OPTIONS.json`
// runs simulateAgents with those options and prints its report as JSON. The
// scale benchmark runs a few of these, so the load is not one event loop's.
import { readFileSync } from 'node:fs';
import { simulateAgents, type SimOptions } from '../../test/helpers/sim-agents.ts';

const options = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as SimOptions;
const report = await simulateAgents(options);
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ ...report, cpuMs: (cpu.user + cpu.system) / 1000 }));

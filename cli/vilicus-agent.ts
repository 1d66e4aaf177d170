// `vilicus-agent`: the agent alone, what the agent image and the vilicus-agent
// npm package run as one bundled file (cli/build-agent.ts). It takes the flags
// of `vilicus agent`; a leading `agent` is accepted, so a command line written
// for `vilicus agent` (the Helm chart's `args: [agent]`) runs unchanged.
import { agentSettings } from '../agent/config.ts';
import { SettingError } from '../contract/settings.ts';
import { VERSION } from '../contract/version.ts';
import { agentCommand } from './agent.ts';

const USAGE = `vilicus-agent ${VERSION} — the vilicus agent: runs this host's checks, reports to the server

Usage: vilicus-agent [agent] [flags]    run the agent until SIGTERM
       vilicus-agent version            print the version

Flags (each also an environment variable; README.md, "Settings"):
${Object.values(agentSettings)
  .map((s) => `  --${s.flag.padEnd(14)} ${s.env[0]!.padEnd(22)} ${s.help}`)
  .join('\n')}
`;

async function main(argv: readonly string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === 'version' || first === '--version') process.stdout.write(`${VERSION}\n`);
  else if (first === 'help' || first === '--help' || first === '-h') process.stdout.write(USAGE);
  else await agentCommand(first === 'agent' ? rest : argv, VERSION);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`vilicus-agent: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof SettingError ? 2 : 1);
});

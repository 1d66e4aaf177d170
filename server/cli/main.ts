// `vilicus <command>`: one entry point for the server, the agent and the
// client commands. Each command's flags are parsed where they are defined.
import { parseArgs } from 'node:util';
import { clientSettings, loadClientConfig, loadServerConfig } from '../config.ts';
import { flagOptions, SettingError } from '../api/contract/settings.ts';
import { VERSION } from '../version.ts';

const USAGE = `vilicus ${VERSION} — host and process monitoring

Usage: vilicus <command> [flags]

  up                      server on the embedded database + an agent for this host (npm start)
  server                  the server (API, evaluation, sweeps)
  agent                   the agent for this host (--server, --token)
  migrate                 apply database migrations and exit
  apply -f FILE|DIR|-     create or replace the Checks in YAML/JSON files
  get checks|agents       list checks with their state, or agents
  delete check NAME       delete a check (-n NAMESPACE)
  agents add NAME         register an agent and print its token (--label k=v, repeatable)
  agents rm NAME          remove an agent
  version                 print the version

Every flag has an environment variable; see README.md ("Settings").
`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'server': {
      const { startServer } = await import('../main.ts');
      const server = await startServer(loadServerConfig(rest));
      const stop = (): void => void server.stop().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      return;
    }
    case 'up':
      return (await import('./up.ts')).up(loadServerConfig(rest));
    case 'agent': {
      const { loadAgentConfig } = await import('../../agent/config.ts');
      const { runAgent } = await import('../../agent/main.ts');
      return runAgent(loadAgentConfig(rest), VERSION);
    }
    case 'migrate':
      return migrateCommand(rest);
    case 'apply':
    case 'get':
    case 'delete':
    case 'agents':
      return clientCommand(command, rest);
    case 'version':
    case '--version':
      process.stdout.write(`${VERSION}\n`);
      return;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      throw new SettingError('command', `unknown command "${command}"; run \`vilicus help\``);
  }
}

async function migrateCommand(argv: string[]): Promise<void> {
  const config = loadServerConfig(argv);
  const { openDatabase, migrate } = await import('../db/orm.ts');
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const applied = await migrate(db.orm);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'the database is up to date\n');
  } finally {
    await db.close();
  }
}

async function clientCommand(command: string, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...flagOptions(clientSettings),
      filename: { type: 'string', short: 'f', multiple: true },
      namespace: { type: 'string', short: 'n' },
      label: { type: 'string', short: 'l', multiple: true },
    },
  });
  const config = loadClientConfig(values);
  const c = await import('./commands.ts');
  const [what, name] = positionals;
  const out = (text: string): boolean => process.stdout.write(`${text}\n`);
  if (command === 'apply') {
    if (!values.filename?.length) throw new SettingError('-f', 'apply needs -f FILE (a file, a folder or - for stdin)');
    (await c.apply(config, values.filename, values.namespace)).forEach((line) => out(line));
  } else if (command === 'get' && what === 'checks') out(await c.getChecks(config, values.namespace));
  else if (command === 'get' && what === 'agents') out(await c.getAgents(config));
  else if (command === 'delete' && what === 'check' && name) {
    await c.deleteCheck(config, name, values.namespace);
    out(`check/${name} deleted`);
  } else if (command === 'agents' && what === 'add' && name) {
    const created = await c.addAgent(config, name, parseLabels(values.label ?? []));
    out(`agent ${created.name} registered (id ${created.id})`);
    out(`token (shown once; start the agent with VILICUS_TOKEN=<token>):\n${created.token}`);
  } else if (command === 'agents' && what === 'rm' && name) {
    await c.removeAgent(config, name);
    out(`agent ${name} removed`);
  } else if (command === 'agents' && (what === 'ls' || what === undefined)) out(await c.getAgents(config));
  else throw new SettingError(command, `unknown form; run \`vilicus help\``);
}

function parseLabels(list: string[]): Record<string, string> {
  return Object.fromEntries(
    list.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new SettingError('--label', `"${pair}" is not key=value`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`vilicus: ${message}\n`);
  process.exit(error instanceof SettingError ? 2 : 1);
});

// `vilicus <command>`: one entry point for the server, the agent and the
// client commands. Each command's flags are parsed where they are defined.
import { parseArgs } from 'node:util';
import {
  clientSettings,
  environmentWith,
  loadClientConfig,
  loadServerConfig,
  type ServerConfig,
} from '../server/config.ts';
import { flagOptions, SettingError } from '../contract/settings.ts';
import { VERSION } from '../contract/version.ts';

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
  silence add             silence alerts (--check, --agent, -n, --label k=v; --duration 2h or --ends-at; -c COMMENT)
  silence ls [--all]      list silences
  silence expire ID       end a silence now
  version                 print the version

Every flag has an environment variable; see README.md ("Settings").
`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const commands: Record<string, () => Promise<void>> = {
    server: () => serverCommand(rest),
    up: async () => (await import('./up.ts')).up(await withServerV8Flags(rest)),
    agent: async () => (await import('./agent.ts')).agentCommand(rest, VERSION),
    migrate: () => migrateCommand(rest),
    version: () => print(`${VERSION}\n`),
    help: () => print(USAGE),
  };
  for (const client of ['apply', 'get', 'delete', 'agents', 'silence'])
    commands[client] = () => clientCommand(client, rest);
  const alias: Record<string, string> = { '--version': 'version', '--help': 'help', '-h': 'help' };
  const run = commands[alias[command ?? 'help'] ?? command ?? 'help'];
  if (!run) throw new SettingError('command', `unknown command "${command}"; run \`vilicus help\``);
  await run();
}

function print(text: string): Promise<void> {
  process.stdout.write(text);
  return Promise.resolve();
}

/** The server's settings, after this process has been replaced by one run with the server's V8 flags. */
async function withServerV8Flags(argv: string[]): Promise<ServerConfig> {
  const config = loadServerConfig(argv);
  const { serverEnvironment, serverV8Flags } = await import('../server/v8-flags.ts');
  const embedded = !config.databaseUrl;
  (await import('./v8-flags.ts')).execWithV8Flags(
    'server',
    serverV8Flags(embedded),
    config.nodeOptions,
    environmentWith(serverEnvironment(embedded)),
  );
  return config;
}

/**
 * The server logs JSON, its last words too: a failure to start (the database
 * never came, a bad setting) is a pino `fatal` record on stdout, exit code 1 (2 for a setting).
 */
async function serverCommand(argv: string[]): Promise<void> {
  const { createLogger } = await import('../server/log.ts');
  let log = createLogger('info');
  let stopping = false;
  // A stop asked for while the server still waits for its database ends the wait too.
  const early = (): void => process.exit(0);
  process.once('SIGTERM', early);
  process.once('SIGINT', early);
  try {
    const config = await withServerV8Flags(argv);
    log = createLogger(config.logLevel);
    const { startServer } = await import('../server/main.ts');
    const server = await startServer(config, log);
    process.removeListener('SIGTERM', early).removeListener('SIGINT', early);
    const stop = (): void => {
      if (!stopping) void server.stop().then(() => process.exit(0));
      stopping = true;
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  } catch (error) {
    log.fatal({ err: error, code: (error as { code?: unknown }).code }, `vilicus server: ${messageOf(error)}`);
    log.flush?.();
    process.exit(error instanceof SettingError ? 2 : 1);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function migrateCommand(argv: string[]): Promise<void> {
  const config = loadServerConfig(argv);
  const { openDatabase } = await import('../server/db/orm.ts');
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const applied = await db.migrate();
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
      check: { type: 'string' },
      agent: { type: 'string' },
      duration: { type: 'string' },
      'ends-at': { type: 'string' },
      comment: { type: 'string', short: 'c' },
      all: { type: 'boolean' },
    },
  });
  const config = loadClientConfig(values);
  const c = await import('./commands.ts');
  const [what, name] = positionals;
  const out = (text: string): boolean => process.stdout.write(`${text}\n`);
  const needName = (): string => name ?? fail(`${command} ${what} needs a NAME`);
  const forms: Record<string, () => Promise<void>> = {
    apply: async () => {
      if (!values.filename?.length) fail('apply needs -f FILE (a file, a folder or - for stdin)');
      (await c.apply(config, values.filename, values.namespace)).forEach((line) => out(line));
    },
    'get checks': async () => void out(await c.getChecks(config, values.namespace)),
    'get agents': async () => void out(await c.getAgents(config)),
    'delete check': async () => {
      await c.deleteCheck(config, needName(), values.namespace);
      out(`check/${name} deleted`);
    },
    'agents add': async () => {
      const created = await c.addAgent(config, needName(), parseLabels(values.label ?? []));
      out(`agent ${created.name} registered (id ${created.id})`);
      out(`token (shown once; start the agent with VILICUS_TOKEN=<token>):\n${created.token}`);
    },
    'agents rm': async () => {
      await c.removeAgent(config, needName());
      out(`agent ${name} removed`);
    },
    'agents ls': async () => void out(await c.getAgents(config)),
    'silence add': async () => {
      const created = await c.addSilence(config, {
        ...(values.check ? { check: values.check } : {}),
        ...(values.agent ? { agent: values.agent } : {}),
        ...(values.namespace ? { namespace: values.namespace } : {}),
        ...(values.duration ? { duration: values.duration } : {}),
        ...(values['ends-at'] ? { endsAt: values['ends-at'] } : {}),
        ...(values.comment ? { comment: values.comment } : {}),
        labels: parseLabels(values.label ?? []),
      });
      out(`silence ${created.id} until ${created.endsAt}`);
    },
    'silence ls': async () => void out(await c.listSilences(config, values.all === true)),
    'silence expire': async () => {
      await c.expireSilence(config, needName());
      out(`silence ${name} expired`);
    },
  };
  const form = forms[command === 'apply' ? 'apply' : `${command} ${what ?? 'ls'}`];
  if (!form) fail(`unknown form "${[command, what].join(' ')}"; run \`vilicus help\``);
  await form();
}

function fail(message: string): never {
  throw new SettingError('usage', message);
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

// The layering check (`npm run lint`, so `.ci/run`): which folder may import
// what, as each folder's README says. dependency-cruiser reads the real import
// graph (static and dynamic imports, type-only ones too); a broken rule fails
// lint with the rule's name, the comment below and the offending import.
// test/unit/lint/layering.test.ts runs it on deliberate bad imports.

/** Node built-ins that reach outside the process: the domain and the contract use none. */
const IO_BUILTINS =
  '^(node:)?(fs|fs/promises|net|http|https|http2|dgram|dns|dns/promises|tls|child_process|cluster|worker_threads|readline|inspector|sqlite)$';

/** `from: server/<folder>` may not import `server/<others>`, as server/README.md's table says. */
const serverFolder = (folder, forbidden) => ({
  name: `server-${folder}-imports`,
  severity: 'error',
  comment: `server/${folder}/ may import only what server/README.md lets it (not ${forbidden.join(', ')})`,
  from: { path: `^server/${folder}/` },
  to: { path: `^server/(${forbidden.join('|')})(/|\\.ts$)` },
});

export default {
  forbidden: [
    {
      name: 'agent-imports-only-contract',
      severity: 'error',
      comment:
        'agent/ imports only contract/, its own files, Node built-ins and its npm dependencies (pino, systeminformation): agent/README.md',
      from: { path: '^agent/' },
      to: {
        dependencyTypesNot: ['core'],
        pathNot: ['^agent/', '^contract/', '^node_modules/(pino|systeminformation|typebox)/'],
      },
    },
    {
      name: 'contract-imports-no-program',
      severity: 'error',
      comment: 'contract/ is shared by both programs: it imports neither server/, agent/ nor cli/ (contract/README.md)',
      from: { path: '^contract/' },
      to: { path: '^(server|agent|cli)/' },
    },
    {
      name: 'contract-imports-only-typebox',
      severity: 'error',
      comment: 'contract/ imports no npm package but typebox: the agent ships it (contract/README.md)',
      from: { path: '^contract/' },
      to: { dependencyTypesNot: ['core'], path: '^node_modules/', pathNot: '^node_modules/typebox/' },
    },
    {
      name: 'domain-no-io',
      severity: 'error',
      comment: 'server/domain/ is pure: no file system, network or process I/O (server/domain/README.md)',
      from: { path: '^server/domain/' },
      to: { dependencyTypes: ['core'], path: IO_BUILTINS },
    },
    {
      name: 'domain-imports-only-domain-and-contract',
      severity: 'error',
      comment:
        'server/domain/ imports nothing but itself and the contract: no db, no fastify, no npm I/O (server/domain/README.md)',
      from: { path: '^server/domain/' },
      to: { dependencyTypesNot: ['core'], pathNot: ['^server/domain/', '^contract/'] },
    },
    {
      name: 'server-imports-no-agent-or-cli',
      severity: 'error',
      comment: 'server/ is one program: it imports neither agent/ nor cli/ (server/README.md)',
      from: { path: '^server/' },
      to: { path: '^(agent|cli)/' },
    },
    serverFolder('db', ['ingest', 'alerts', 'metrics', 'ui', 'api', 'k8s', 'app', 'main', 'sweeps']),
    serverFolder('ingest', ['alerts', 'metrics', 'ui', 'api', 'k8s', 'app', 'main', 'sweeps']),
    serverFolder('alerts', ['ingest', 'metrics', 'ui', 'api', 'k8s', 'app', 'main', 'sweeps']),
    serverFolder('metrics', ['ingest', 'alerts', 'ui', 'api', 'k8s', 'app', 'main', 'sweeps']),
    serverFolder('api', ['alerts', 'ui', 'k8s', 'app', 'main', 'sweeps']),
    {
      name: 'no-unresolvable-import',
      severity: 'error',
      comment: 'an import that resolves to no file: a typo, or a rule above would not see it',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'server-ui-imports-nothing',
      severity: 'error',
      comment: 'server/ui/ is the dashboard: it calls the HTTP API and imports no server code (server/README.md)',
      from: { path: '^server/ui/' },
      to: { path: '^(server|agent|cli|contract)/', pathNot: '^server/ui/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // The dashboard's browser modules import uPlot by URL; nothing to resolve there.
    exclude: { path: '^server/ui/public/' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};

// Imports point one way: main → server → routes → service → repo → platform (DESIGN.md §2).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'platform-is-domain-free',
      comment: 'platform/ never imports a module, the server or the composition root.',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: '^src/(modules|server|main|cli)' },
    },
    {
      name: 'modules-through-index',
      comment: 'A module uses another only through its index.ts.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/([^/]+)/', pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$'] },
    },
    {
      name: 'modules-do-not-reach-up',
      comment: 'Modules do not import the server, the composition root or the CLI.',
      severity: 'error',
      from: { path: '^src/modules/' },
      to: { path: '^src/(server|main|cli)' },
    },
    {
      name: 'tools-are-not-the-service',
      comment:
        "src/tools/ holds tools (the camera simulator) that the CLI, tests and benchmarks run; the platform, the modules and the server never import them (a module's own tests may use them as fixtures).",
      severity: 'error',
      from: { path: '^src/(platform|modules|server|main)', pathNot: '\\.test\\.ts$' },
      to: { path: '^src/tools/' },
    },
    {
      name: 'repos-speak-sql-services-do-not-speak-http',
      comment: 'Services and repos know nothing of Fastify.',
      severity: 'error',
      from: { path: '\\.(service|repo)\\.ts$' },
      to: { path: 'node_modules/fastify' },
    },
    {
      name: 'only-repos-speak-sql',
      comment:
        "Only *.repo.ts files and platform/db/ build queries or use Kysely's sql tag; everything else may import Kysely's types only (a handle or a transaction passed on).",
      severity: 'error',
      from: {
        path: '^src/',
        pathNot: ['\\.repo\\.ts$', '^src/platform/db/', '\\.test\\.ts$'],
      },
      to: { path: 'node_modules/kysely', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'src-does-not-import-tests',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js'],
    },
  },
};

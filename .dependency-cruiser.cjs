/**
 * Folder boundaries, checked by `npm test` (npm run lint:deps). Feature folders depend one
 * way: no cycle between modules or between folders, and the engine stays pure.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules import each other in a cycle (TypeORM entities may name each other for two-way relations).',
      from: { path: '^src/', pathNot: '[.]entity[.]ts$' },
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-folder-cycle',
      severity: 'error',
      comment: 'Feature folders import each other in a cycle: let one depend on the other, not both ways.',
      scope: 'folder',
      from: { path: '^src/[^/]+$' },
      to: { circular: true },
    },
    {
      name: 'engine-is-pure',
      severity: 'error',
      comment: 'src/engine/ evaluates rules and nothing else: no database, no GraphQL, no other folder.',
      from: { path: '^src/engine/' },
      to: { pathNot: ['^src/engine/', 'node_modules/(json-rules-engine|safe-stable-stringify)/'], dependencyTypesNot: ['core'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^src/admin/' },
  },
};

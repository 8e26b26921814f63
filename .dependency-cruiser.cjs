/** The architecture in CONVENTIONS.md, enforced: dependencies point inward. */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'libs/domain holds deciders and events only: no NestJS, no drivers, no Node I/O, no other lib.',
      severity: 'error',
      from: { path: '^libs/domain/', pathNot: '\\.spec\\.ts$' },
      to: {
        pathNot: ['^libs/domain/'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'domain-no-node-io',
      severity: 'error',
      from: { path: '^libs/domain/' },
      to: { dependencyTypes: ['core'], path: '^(fs|net|http|https|child_process|worker_threads|dgram|cluster|crypto|os)$' },
    },
    {
      name: 'scim-lib-is-pure',
      comment: 'libs/scim is protocol logic: no NestJS, no store, no drivers.',
      severity: 'error',
      from: { path: '^libs/scim/' },
      to: { path: ['^node_modules/@nestjs', '^node_modules/(better-sqlite3|kafkajs|@eventstore)', '^libs/(eventstore|kafka|projections)/'] },
    },
    {
      name: 'libs-do-not-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'drivers-stay-in-adapters',
      comment: 'Only store and Kafka adapters (and tests / benches) touch drivers.',
      severity: 'error',
      from: { path: '^(apps|libs/(domain|scim|contracts))/', pathNot: '\\.(int-|e2e-)?spec\\.ts$' },
      to: { path: '^node_modules/(better-sqlite3|kafkajs|@eventstore/db-client)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^dist/' },
  },
};

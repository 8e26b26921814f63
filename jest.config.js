// CommonJS on purpose: NestJS 11 is CommonJS, so jest needs no ESM loader flags (see README).
const swc = ['@swc/jest', {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
}];
const moduleNameMapper = { '^@ledger/(.*)$': '<rootDir>/libs/$1/src/index.ts' };
const common = { transform: { '^.+\\.ts$': swc }, moduleNameMapper, testEnvironment: 'node' };
// One real Kafka broker (KRaft, from Apache Kafka's jars) shared by the int and e2e tests that
// need it; it starts in the background and only the tests that use it wait for it.
const kafka = {
  globalSetup: '<rootDir>/libs/testing/src/kafka/kafka-global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/kafka/kafka-global-teardown.ts',
  // Hooks here start and stop services, brokers and clients; 5 s is too tight on a loaded CI box.
  setupFilesAfterEnv: ['<rootDir>/test/slow-hooks.setup.ts'],
};

module.exports = {
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,test}/**/*.spec.ts'] },
    { ...common, ...kafka, displayName: 'int', testMatch: ['<rootDir>/{apps,libs,test}/**/*.int-spec.ts'] },
    { ...common, ...kafka, displayName: 'e2e', testMatch: ['<rootDir>/{apps,libs,test}/**/*.e2e-spec.ts'] },
  ],
};

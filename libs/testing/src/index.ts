export * from './temp-dir';
export * from './decider-spec';
export * from './domain-factories';
export * from './poll';

export * from './scim-read-model';
export * from './projector';
export * from './rebuild-projections';
export * from './audit';

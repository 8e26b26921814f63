export * from './scim-read-model';
export * from './projector';
export * from './audit';

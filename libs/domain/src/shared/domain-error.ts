/** Base of every rule the domain refuses. `code` is stable; adapters map it to a protocol answer. */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class UniquenessViolation extends DomainError {
  readonly code = 'UNIQUENESS';
  constructor(
    readonly attribute: 'userName' | 'externalId' | 'displayName',
    readonly value: string,
    /** The resource that holds the value; lets an IdP re-link instead of re-creating. */
    readonly existingId: string,
  ) {
    super(`${attribute} "${value}" is already used by the resource with id ${existingId}`);
  }
}

export class ResourceNotFound extends DomainError {
  readonly code = 'RESOURCE_NOT_FOUND';
  constructor(readonly resourceType: 'User' | 'Group' | 'Tenant' | 'Token', readonly id: string, readonly deleted = false) {
    super(`${resourceType} ${id} ${deleted ? 'was deleted' : 'not found'}`);
  }
}

export class ResourceAlreadyExists extends DomainError {
  readonly code = 'RESOURCE_ALREADY_EXISTS';
  constructor(readonly resourceType: 'User' | 'Group' | 'Tenant' | 'Token', readonly id: string) {
    super(`${resourceType} ${id} already exists`);
  }
}

export class InvalidCommand extends DomainError {
  readonly code = 'INVALID_COMMAND';
}

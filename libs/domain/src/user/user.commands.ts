import type { UserAttributes } from './user.events';

export interface ProvisionUser {
  type: 'ProvisionUser';
  userId: string;
  /** userName, externalId and active travel inside the attributes, as SCIM sends them. */
  attributes: UserAttributes;
  at: string;
}

/** PUT, and PATCH after the patch engine produced the new resource: the full desired state. */
export interface ReplaceUser {
  type: 'ReplaceUser';
  userId: string;
  attributes: UserAttributes;
  at: string;
}

export interface DeactivateUser {
  type: 'DeactivateUser';
  userId: string;
  at: string;
}

export interface DeleteUser {
  type: 'DeleteUser';
  userId: string;
  at: string;
}

export interface RecordRefusedRecreate {
  type: 'RecordRefusedRecreate';
  userId: string;
  attribute: 'userName' | 'externalId';
  value: string;
  at: string;
}

export type UserCommand = ProvisionUser | ReplaceUser | DeactivateUser | DeleteUser | RecordRefusedRecreate;

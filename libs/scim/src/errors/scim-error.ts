export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/**
 * RFC 7644 §3.12 scimType values. `tooLarge` is not in the RFC table; it is used with 413 so a
 * client can tell "payload too big" apart from other 4xx answers.
 */
export type ScimType =
  | 'uniqueness'
  | 'invalidFilter'
  | 'invalidPath'
  | 'noTarget'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidValue'
  | 'tooMany'
  | 'invalidVers'
  | 'sensitive'
  | 'tooLarge';

export interface ScimErrorResponse {
  schemas: [typeof SCIM_ERROR_SCHEMA];
  status: string;
  scimType?: ScimType;
  detail: string;
}

/** A SCIM protocol error: carries everything the HTTP layer needs to answer per RFC 7644 §3.12. */
export class ScimError extends Error {
  override readonly name = 'ScimError';

  constructor(
    readonly status: number,
    readonly scimType: ScimType | undefined,
    readonly detail: string,
  ) {
    super(detail);
  }

  toResponse(): ScimErrorResponse {
    const body: ScimErrorResponse = { schemas: [SCIM_ERROR_SCHEMA], status: String(this.status), detail: this.detail };
    if (this.scimType !== undefined) body.scimType = this.scimType;
    return body;
  }
}

export const invalidFilter = (detail: string): ScimError => new ScimError(400, 'invalidFilter', detail);
export const invalidPath = (detail: string): ScimError => new ScimError(400, 'invalidPath', detail);
export const invalidSyntax = (detail: string): ScimError => new ScimError(400, 'invalidSyntax', detail);
export const invalidValue = (detail: string): ScimError => new ScimError(400, 'invalidValue', detail);
export const mutabilityError = (detail: string): ScimError => new ScimError(400, 'mutability', detail);
export const noTarget = (detail: string): ScimError => new ScimError(400, 'noTarget', detail);

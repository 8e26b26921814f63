import { ScimError, SCIM_ERROR_SCHEMA } from './scim-error';

describe('ScimError', () => {
  it('given a 400 invalidFilter, when rendered, then it is the RFC 7644 §3.12 body with status as a string', () => {
    const sut = new ScimError(400, 'invalidFilter', 'Invalid filter at position 9: unknown attribute "usrName"');

    expect(sut.toResponse()).toEqual({
      schemas: [SCIM_ERROR_SCHEMA],
      status: '400',
      scimType: 'invalidFilter',
      detail: 'Invalid filter at position 9: unknown attribute "usrName"',
    });
  });

  it('given an error without scimType (e.g. 404), when rendered, then scimType is left out rather than null', () => {
    const body = new ScimError(404, undefined, 'User 42 not found').toResponse();

    expect(body).toEqual({ schemas: [SCIM_ERROR_SCHEMA], status: '404', detail: 'User 42 not found' });
    expect('scimType' in body).toBe(false);
  });

  it('given a 413 tooLarge, when rendered, then the status is "413"', () => {
    expect(new ScimError(413, 'tooLarge', 'Bulk request has 1200 operations; the limit is 1000').toResponse().status).toBe('413');
  });

  it('is an Error, so a generic handler still logs a message and stack', () => {
    const sut = new ScimError(409, 'uniqueness', 'userName "bjensen" is already taken');

    expect(sut).toBeInstanceOf(Error);
    expect(sut.name).toBe('ScimError');
    expect(sut.message).toBe('userName "bjensen" is already taken');
    expect(sut.status).toBe(409);
  });
});

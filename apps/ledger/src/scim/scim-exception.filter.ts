import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { DomainError, ResourceNotFound, UniquenessViolation } from '@ledger/domain';
import { EventStoreUnavailable, WrongExpectedRevision } from '@ledger/eventstore';
import { ScimError } from '@ledger/scim';
import type { Request, Response } from 'express';
import { sendScimError } from './scim-response';

/** Every failure on a SCIM route becomes an RFC 7644 §3.12 error; never a stack trace. */
@Catch()
export class ScimExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Scim');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request & { scimError?: ScimError }>();
    const error = toScimError(exception);
    if (error.status >= 500) this.logger.error(`${request.method} ${request.path}: ${exception instanceof Error ? exception.stack : String(exception)}`);
    request.scimError = error;
    sendScimError(response, error);
  }
}

export function toScimError(exception: unknown): ScimError {
  if (exception instanceof ScimError) return exception;
  if (exception instanceof UniquenessViolation) {
    return new ScimError(409, 'uniqueness', exception.message);
  }
  if (exception instanceof ResourceNotFound) {
    return new ScimError(404, undefined, `${exception.resourceType} ${exception.id} not found${exception.deleted ? ' (it was deleted)' : ''}`);
  }
  if (exception instanceof DomainError) {
    if (exception.code === 'RESOURCE_ALREADY_EXISTS') return new ScimError(409, 'uniqueness', exception.message);
    return new ScimError(400, 'invalidValue', exception.message);
  }
  if (exception instanceof WrongExpectedRevision) {
    return new ScimError(409, undefined, 'the resource was changed by a concurrent request; retry');
  }
  if (exception instanceof EventStoreUnavailable) {
    return new ScimError(503, undefined, 'the event store is unavailable; retry later');
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    const message = typeof body === 'string' ? body : ((body as { message?: string | string[] }).message ?? exception.message);
    return new ScimError(status, undefined, Array.isArray(message) ? message.join('; ') : message);
  }
  return new ScimError(500, undefined, 'internal error; quote the X-Request-Id response header when reporting it');
}

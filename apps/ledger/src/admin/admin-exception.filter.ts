import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { DomainError } from '@ledger/domain';
import type { Response } from 'express';
import { NotFound } from '../tenancy/tenancy.service';

const STATUS_BY_CODE: Record<string, number> = {
  RESOURCE_NOT_FOUND: 404,
  NOT_FOUND: 404,
  RESOURCE_ALREADY_EXISTS: 409,
  UNIQUENESS: 409,
  INVALID_COMMAND: 400,
};

/** Admin and audit APIs answer plain JSON errors: `{statusCode, error, message}`. */
@Catch()
export class AdminExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('AdminApi');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      if (typeof body === 'string') {
        response.status(exception.getStatus()).json({ statusCode: exception.getStatus(), message: body });
        return;
      }
      // class-validator reports a list: `message` stays one string as on every other error, the list goes in `errors`.
      const { message } = body as { message?: unknown };
      response.status(exception.getStatus()).json(Array.isArray(message) ? { ...body, message: message.join('; '), errors: message } : body);
      return;
    }
    if (exception instanceof DomainError || exception instanceof NotFound) {
      const status = STATUS_BY_CODE[exception.code] ?? 400;
      response.status(status).json({ statusCode: status, error: exception.code, message: exception.message });
      return;
    }
    this.logger.error(exception instanceof Error ? exception.message : String(exception));
    response.status(500).json({ statusCode: 500, error: 'INTERNAL', message: 'internal error; see the service log' });
  }
}

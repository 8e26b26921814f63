import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { sameSecret } from '../infrastructure/secrets';

export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');

/** Bearer ADMIN_TOKEN, compared in constant time. */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(@Inject(ADMIN_TOKEN) private readonly adminToken: string) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const presented = bearerToken(request.headers.authorization);
    if (!presented || !sameSecret(presented, this.adminToken)) {
      throw new UnauthorizedException('a valid admin bearer token is required');
    }
    return true;
  }
}

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

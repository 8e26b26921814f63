import { CanActivate, ExecutionContext, HttpException, Inject, Injectable } from '@nestjs/common';
import { ScimReadModel } from '@ledger/projections';
import { ScimError } from '@ledger/scim';
import { ADMIN_TOKEN, bearerToken } from '../admin/admin-auth.guard';
import { sameSecret } from '../infrastructure/secrets';
import { ScimAuthGuard, type ScimRequest } from '../scim/scim-auth.guard';
import { TenancyService } from '../tenancy/tenancy.service';

export interface SignalRequest extends ScimRequest {
  signalCaller?: 'admin' | 'token';
}

/**
 * Lifecycle signals come from HR systems and IdP connectors: the admin token, or a bearer token
 * of the URL's tenant (the same checks, and the same explanations, as SCIM).
 */
@Injectable()
export class SignalAuthGuard implements CanActivate {
  private readonly scim: ScimAuthGuard;

  constructor(
    @Inject(ADMIN_TOKEN) private readonly adminToken: string,
    readModel: ScimReadModel,
    private readonly tenancy: TenancyService,
  ) {
    this.scim = new ScimAuthGuard(readModel);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<SignalRequest>();
    const presented = bearerToken(request.headers.authorization);
    if (presented && sameSecret(presented, this.adminToken)) {
      this.tenancy.requireTenant(String(request.params['tenant'] ?? ''));
      request.signalCaller = 'admin';
      return true;
    }
    try {
      this.scim.canActivate(context);
    } catch (error) {
      if (error instanceof ScimError) {
        throw new HttpException({ statusCode: error.status, error: error.status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', message: error.detail }, error.status);
      }
      throw error;
    }
    request.signalCaller = 'token';
    return true;
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req, UseFilters, UseGuards } from '@nestjs/common';
import { ScimReadModel, type TokenRow } from '@ledger/projections';
import type { Request } from 'express';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { TenancyService } from '../tenancy/tenancy.service';
import { adminContext } from '../shared/http-context';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminExceptionFilter } from './admin-exception.filter';
import { CreateTenantDto, IssueTokenDto, SetTokenExpiryDto, SuspendTenantDto } from './admin.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/tenants')
@UseGuards(AdminAuthGuard)
@UseFilters(AdminExceptionFilter)
export class AdminController {
  constructor(private readonly tenancy: TenancyService, private readonly readModel: ScimReadModel) {}

  @Post()
  @HttpCode(201)
  async createTenant(@Req() request: Request, @Body() body: CreateTenantDto) {
    return this.tenancy.createTenant(adminContext(request, body.id), body.id, body.name ?? body.id);
  }

  @Get()
  listTenants() {
    return { tenants: this.readModel.tenants() };
  }

  @Get(':tenant')
  describeTenant(@Param('tenant') tenant: string) {
    const row = this.tenancy.requireTenant(tenant);
    return { ...row, tokens: this.readModel.tokensOf(tenant).map(publicToken) };
  }

  @Put(':tenant/suspension')
  async suspend(@Req() request: Request, @Param('tenant') tenant: string, @Body() body: SuspendTenantDto) {
    return this.tenancy.setSuspended(adminContext(request, tenant), tenant, body.suspended, body.reason ?? null);
  }

  @Post(':tenant/tokens')
  @HttpCode(201)
  async issueToken(@Req() request: Request, @Param('tenant') tenant: string, @Body() body: IssueTokenDto) {
    return this.tenancy.issueToken(adminContext(request, tenant), tenant, {
      name: body.name,
      idp: body.idp,
      expiresAt: body.expiresAt ?? null,
      rotatedFrom: body.rotatedFrom ?? null,
    });
  }

  @Get(':tenant/tokens')
  listTokens(@Param('tenant') tenant: string) {
    this.tenancy.requireTenant(tenant);
    return { tokens: this.readModel.tokensOf(tenant).map(publicToken) };
  }

  @Delete(':tenant/tokens/:id')
  async revokeToken(@Req() request: Request, @Param('tenant') tenant: string, @Param('id') id: string) {
    return publicToken(await this.tenancy.revokeToken(adminContext(request, tenant), tenant, id, null));
  }

  @Put(':tenant/tokens/:id/expiry')
  async setExpiry(@Req() request: Request, @Param('tenant') tenant: string, @Param('id') id: string, @Body() body: SetTokenExpiryDto) {
    return publicToken(await this.tenancy.setTokenExpiry(adminContext(request, tenant), tenant, id, body.expiresAt));
  }
}

/** Token metadata without its hash: enough to tell tokens apart, nothing to attack. */
export function publicToken(token: TokenRow) {
  const { secretHash: _secretHash, tokenId, ...rest } = token;
  return { id: tokenId, ...rest };
}

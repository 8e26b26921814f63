import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import type { Request } from 'express';
import { AdminAuthGuard } from '../admin/admin-auth.guard';
import { AdminExceptionFilter } from '../admin/admin-exception.filter';
import { adminContext } from '../shared/http-context';
import { AuditorsService } from './auditors.service';

export class IssueAuditorDto {
  @ApiProperty({ example: 'q1-2026-review', maxLength: 200, description: 'what the token is for; shown in lists and in the log' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;
}

@ApiTags('auditors')
@ApiBearerAuth()
@Controller('admin/tenants/:tenant/auditors')
@UseGuards(AdminAuthGuard)
@UseFilters(AdminExceptionFilter)
export class AuditorsController {
  constructor(private readonly auditors: AuditorsService) {}

  /** 201 {id, token: "aud_..."}: the only time the secret is shown. */
  @Post()
  @HttpCode(201)
  issue(@Req() request: Request, @Param('tenant') tenant: string, @Body() body: IssueAuditorDto) {
    return this.auditors.issue(adminContext(request, tenant), tenant, body.name);
  }

  @Get()
  list(@Param('tenant') tenant: string) {
    return { auditors: this.auditors.list(tenant) };
  }

  @Delete(':id')
  revoke(@Req() request: Request, @Param('tenant') tenant: string, @Param('id') id: string) {
    return this.auditors.revoke(adminContext(request, tenant), tenant, id);
  }
}

import { Module } from '@nestjs/common';
import { RequestLedger } from './request-ledger';
import { AuditModule } from '../audit/audit.module';
import { AuditRequestsController, RequestsAdminController } from './requests.controller';

@Module({
  imports: [AuditModule],
  controllers: [AuditRequestsController, RequestsAdminController],
  providers: [RequestLedger],
  exports: [RequestLedger],
})
export class RequestsModule {}

import { Module } from '@nestjs/common';
import { RequestLedger } from './request-ledger';
import { RequestsController } from './requests.controller';

@Module({
  controllers: [RequestsController],
  providers: [RequestLedger],
  exports: [RequestLedger],
})
export class RequestsModule {}

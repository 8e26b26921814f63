import { Global, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuditAuthGuard } from '../audit/audit-auth.guard';
import { TransparencyController } from './transparency.controller';
import { TransparencyService } from './transparency.service';

/** Global so the audit export can inject TransparencyService to put proofs in its bundles. */
@Global()
@Module({
  imports: [AuditModule],
  controllers: [TransparencyController],
  providers: [TransparencyService, AuditAuthGuard],
  exports: [TransparencyService],
})
export class TransparencyModule {}

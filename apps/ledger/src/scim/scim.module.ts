import { Module } from '@nestjs/common';
import { BulkController } from './bulk.controller';
import { DiscoveryController } from './discovery.controller';
import { GroupsController } from './groups.controller';
import { RootSearchController } from './root-search.controller';
import { GroupsService } from './groups.service';
import { ScimAuthGuard } from './scim-auth.guard';
import { ScimOperations } from './scim-operations';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  controllers: [DiscoveryController, UsersController, GroupsController, BulkController, RootSearchController],
  providers: [UsersService, GroupsService, ScimOperations, ScimAuthGuard],
})
export class ScimModule {}

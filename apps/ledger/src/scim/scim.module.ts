import { Module } from '@nestjs/common';
import { DiscoveryController } from './discovery.controller';
import { GroupsController } from './groups.controller';
import { GroupsService } from './groups.service';
import { ScimAuthGuard } from './scim-auth.guard';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  controllers: [DiscoveryController, UsersController, GroupsController],
  providers: [UsersService, GroupsService, ScimAuthGuard],
})
export class ScimModule {}

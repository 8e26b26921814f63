import { Module } from '@nestjs/common';
import { ConsoleAssets } from './console-assets';
import { ConsoleController } from './console.controller';

/** Serves the built console (apps/console, built to dist/console) under /console. */
@Module({
  controllers: [ConsoleController],
  providers: [{ provide: ConsoleAssets, useFactory: () => new ConsoleAssets() }],
})
export class ConsoleModule {}

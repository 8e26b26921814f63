import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { Logger as PinoLogger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { openEventStore } from '@ledger/eventstore';
import { ReadModelProjector, ScimReadModel } from '@ledger/projections';
import { join } from 'node:path';
import { AppModule } from './app.module';
import type { LedgerConfig } from './config/config';
import { resolveAdminToken } from './infrastructure/admin-token';
import { instrumentEventStore } from './observability/instrumented-event-store';
import { LedgerMetrics } from './observability/metrics';
import { RequestLedger } from './requests/request-ledger';
import { installBodyParsers } from './scim/scim-body';
import { PUBLIC_BASE_URL_SETTING } from './scim/scim-context';
import { ScimNotFoundFilter } from './scim/scim-fallback.filter';
import { openApiDocument } from './observability/openapi';
import { SwaggerModule } from '@nestjs/swagger';

export interface RunningLedger {
  app: INestApplication;
  url: string;
  adminToken: string;
  close(): Promise<void>;
}

/** Opens the store, catches the read model up, and serves HTTP. Used by main and by e2e tests. */
export interface StartOptions {
  /** Where structured logs go (tests capture them); stdout by default. */
  logDestination?: DestinationStream;
}

export async function startLedger(config: LedgerConfig, options: StartOptions = {}): Promise<RunningLedger> {
  const metrics = new LedgerMetrics();
  const store = instrumentEventStore(await openEventStore({ url: config.eventStoreUrl ?? undefined, dataDir: config.dataDir }), metrics);
  const readModel = new ScimReadModel(join(config.dataDir, 'read-model.sqlite'));
  const projector = new ReadModelProjector(store, readModel);
  projector.start();
  await projector.caughtUp();

  const admin = resolveAdminToken(config.adminToken, config.dataDir);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.register({ config, store, readModel, projector, adminToken: admin.token, metrics, logDestination: options.logDestination }),
    { bodyParser: false, bufferLogs: true },
  );
  app.useLogger(app.get(PinoLogger));
  app.set('x-powered-by', false);
  app.set('etag', false);
  app.set(PUBLIC_BASE_URL_SETTING, config.publicBaseUrl);
  // While draining, every answer closes its connection, so keep-alive clients let go and the
  // server can finish closing without refusing anybody mid-request.
  let draining = false;
  app.use((_request: unknown, response: { setHeader(name: string, value: string): void }, next: () => void) => {
    if (draining) response.setHeader('Connection', 'close');
    next();
  });
  const requestLedger = app.get(RequestLedger);
  app.use(requestLedger.middleware());
  installBodyParsers(app, config.maxBodyBytes);
  app.useGlobalFilters(new ScimNotFoundFilter(app.getHttpAdapter()));
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: false }));
  SwaggerModule.setup('docs', app, () => openApiDocument(app), { jsonDocumentUrl: 'docs/openapi.json' });
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address() as { port: number };
  if (admin.generated) {
    // Shown once, like a token secret: it is also in the file for whoever operates the box.
    process.stdout.write(`\nAdmin token generated and stored in ${admin.file}:\n  ${admin.token}\n\n`);
  }
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    adminToken: admin.token,
    close: async () => {
      draining = true;
      const server = app.getHttpServer() as import('node:http').Server;
      server.closeIdleConnections();
      await app.close();
      await requestLedger.flush();
      await projector.stop();
      readModel.close();
      await store.close();
    },
  };
}

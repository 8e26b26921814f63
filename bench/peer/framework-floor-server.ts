/**
 * The floor of the chosen HTTP stack: what a SCIM create costs when nothing is stored. It takes
 * the same POST /Users body the service takes, parses it with the same body parser, checks the
 * bearer token, assigns an id and answers 201 with the resource; no log, no validation beyond
 * "userName is a string", no projections. FLOOR=nest runs it as a NestJS 11 app on Express (the
 * service's stack: global ValidationPipe, a guard, a controller); FLOOR=http on node:http alone.
 * Whatever this does per second on a core is more than any write path built on it can do.
 *
 *   FLOOR=nest|http PORT=3200 PEER_TOKEN=secret node <build>/bench/peer/framework-floor-server.js
 */
import 'reflect-metadata';
import { Body, CanActivate, Controller, ExecutionContext, Get, HttpCode, Injectable, Module, Post, UseGuards, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json } from 'express';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const port = Number(process.env['PORT'] ?? 3200);
const expectedToken = process.env['PEER_TOKEN'] ?? 'peer-token';
const flavour = process.env['FLOOR'] ?? 'nest';
const JSON_TYPES = ['application/scim+json', 'application/json'];

function created(body: Record<string, unknown>): Record<string, unknown> {
  const now = new Date().toISOString();
  const id = randomUUID();
  return { ...body, id, meta: { resourceType: 'User', created: now, lastModified: now, location: `/scim/v2/Users/${id}`, version: 'W/"1"' } };
}

@Injectable()
class BearerGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers['authorization'] === `Bearer ${expectedToken}`;
  }
}

@Controller()
class FloorController {
  @Get('health')
  health(): { status: string } {
    return { status: 'ok' };
  }

  @Post('scim/v2/Users')
  @HttpCode(201)
  @UseGuards(BearerGuard)
  create(@Body() body: Record<string, unknown>): Record<string, unknown> {
    return created(body);
  }
}

@Module({ controllers: [FloorController], providers: [BearerGuard] })
class FloorModule {}

async function nest(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(FloorModule, { bodyParser: false, logger: ['error'] });
  app.set('x-powered-by', false);
  app.set('etag', false);
  app.use(json({ type: JSON_TYPES, strict: false }));
  app.useGlobalPipes(new ValidationPipe({ transform: false }));
  await app.listen(port, '127.0.0.1');
}

function http(): void {
  createServer((request, response) => {
    if (request.url === '/health') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (request.method !== 'POST' || request.url !== '/scim/v2/Users' || request.headers['authorization'] !== `Bearer ${expectedToken}`) {
      response.writeHead(401).end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      response.writeHead(201, { 'content-type': 'application/scim+json' }).end(JSON.stringify(created(body)));
    });
  }).listen(port, '127.0.0.1');
}

if (flavour === 'http') http();
else void nest();
process.stdout.write(`framework floor (${flavour}) listening on http://127.0.0.1:${port}\n`);

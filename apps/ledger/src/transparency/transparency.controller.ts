import {
  applyDecorators,
  BadRequestException,
  Controller,
  Get,
  Header,
  HttpException,
  HttpStatus,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
  ServiceUnavailableException,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { TransparencyError, type ActorContext, type StoredCheckpoint } from '@ledger/transparency';
import type { Request, Response } from 'express';
import { once } from 'node:events';
import { AdminAuthGuard } from '../admin/admin-auth.guard';
import { AdminExceptionFilter } from '../admin/admin-exception.filter';
import { AuditAuthGuard, type AuditRequest } from '../audit/audit-auth.guard';
import { traceOf } from '../shared/http-context';
import { TransparencyService } from './transparency.service';

/**
 * Signed checkpoints, proofs and evidence bundles. Public keys are public; the deployment-wide
 * routes take the admin token; auditors (tenant-scoped tokens) get checkpoints and proofs of their
 * tenant's events under /tenants/{tenant}/audit/transparency.
 */
@ApiTags('transparency')
@Controller()
@UseFilters(AdminExceptionFilter)
export class TransparencyController {
  constructor(private readonly transparency: TransparencyService) {}

  private get log() {
    return this.transparency.log;
  }

  /** The current checkpoint signing key, PEM (SPKI). What an auditor pins. */
  @Get('transparency/public-key')
  // Public keys are public: security [] overrides the document-wide bearer requirement.
  @ApiOperation({ summary: 'The current checkpoint signing key, PEM (SPKI): what an auditor pins', security: [] })
  @ApiProduces('application/x-pem-file')
  @ApiOkResponse({ description: 'PEM public key', schema: { type: 'string' }, headers: { 'X-Key-Id': { description: 'id of the key', schema: { type: 'string' } } } })
  @Header('Content-Type', 'application/x-pem-file')
  publicKey(@Res({ passthrough: true }) response: Response): string {
    response.setHeader('X-Key-Id', this.log.keyId);
    return this.log.publicKeyPem;
  }

  /** Every key that has signed checkpoints here, retired ones included, so old checkpoints stay verifiable. */
  @Get('transparency/public-keys')
  @ApiOperation({ summary: 'Every key that has signed checkpoints here, retired ones included', security: [] })
  publicKeys() {
    return { origin: this.log.origin, current: this.log.keyId, keys: this.log.publicKeys() };
  }

  @ApiBearerAuth()
  @Get('transparency/checkpoints/latest')
  @UseGuards(AdminAuthGuard)
  latest() {
    return this.latestView();
  }

  @ApiBearerAuth()
  @Get('transparency/checkpoints')
  @UseGuards(AdminAuthGuard)
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, description: 'checkpoints to list, newest first' })
  list(@Query('limit') limit?: string) {
    return { checkpoints: this.log.checkpoints(integer(limit, 'limit', 1, 1000) ?? 100).map(checkpointView) };
  }

  /** Signs a checkpoint now, covering every event acknowledged before this request. */
  @ApiBearerAuth()
  @Post('transparency/checkpoints')
  @UseGuards(AdminAuthGuard)
  async sign(@Req() request: Request) {
    return checkpointView(await guarded(this.log.signCheckpoint(actor(request, 'admin'))));
  }

  @ApiBearerAuth()
  @Post('transparency/keys/rotate')
  @UseGuards(AdminAuthGuard)
  async rotate(@Req() request: Request) {
    const rotated = await guarded(this.log.rotateKey(actor(request, 'admin')));
    return { previousKeyId: rotated.previousKeyId, keyId: rotated.keyId, checkpoint: checkpointView(rotated.checkpoint) };
  }

  @ApiBearerAuth()
  @Get('transparency/proofs/inclusion')
  @UseGuards(AdminAuthGuard)
  @ApiInclusionQuery()
  inclusion(@Req() request: Request, @Query() query: Record<string, string | undefined>) {
    return guarded(this.log.inclusionProof(inclusionQuery(query), actor(request, 'admin')));
  }

  @ApiBearerAuth()
  @Get('transparency/proofs/consistency')
  @UseGuards(AdminAuthGuard)
  @ApiConsistencyQuery()
  consistency(@Query('from') from?: string, @Query('to') to?: string) {
    return guarded(this.log.consistencyProof(integer(from, 'from', 1) ?? missing('from'), integer(to, 'to', 1) ?? undefined));
  }

  /** Every event with a position in [fromPosition, toPosition], with inclusion proofs: JSON lines. */
  @ApiBearerAuth()
  @Get('transparency/bundle')
  @UseGuards(AdminAuthGuard)
  @ApiQuery({ name: 'fromPosition', required: false, schema: { type: 'string', pattern: '^[0-9]+$', default: '1' }, description: 'first log position, included' })
  @ApiQuery({ name: 'toPosition', required: false, schema: { type: 'string', pattern: '^[0-9]+$' }, description: 'last log position, included; default the head' })
  async bundle(@Req() request: Request, @Res() response: Response, @Query('fromPosition') fromRaw?: string, @Query('toPosition') toRaw?: string) {
    const from = position(fromRaw, 'fromPosition') ?? 1n;
    const to = position(toRaw, 'toPosition');
    const lines = this.log.bundleRange(from, to, actor(request, 'admin'));
    const first = await guarded(lines.next());
    response.status(200);
    response.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
    response.setHeader('Content-Disposition', `attachment; filename="ledger-bundle-${from}-${to ?? 'head'}.jsonl"`);
    let next = first;
    while (!next.done) {
      if (response.destroyed) {
        await lines.return(undefined);
        return;
      }
      if (!response.write(`${next.value}\n`)) await once(response, 'drain');
      next = await lines.next();
    }
    response.end();
  }

  @ApiBearerAuth()
  @ApiOperation({ summary: 'The latest signed checkpoint (admin or auditor token of the tenant)' })
  @ApiTenantParam()
  @Get('tenants/:tenant/audit/transparency/checkpoints/latest')
  @UseGuards(AuditAuthGuard)
  tenantLatest() {
    return this.latestView();
  }

  /** Inclusion proof of one of this tenant's events. */
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Inclusion proof of one of this tenant\'s events (admin or auditor token of the tenant)' })
  @Get('tenants/:tenant/audit/transparency/proofs/inclusion')
  @UseGuards(AuditAuthGuard)
  @ApiInclusionQuery()
  tenantInclusion(@Req() request: AuditRequest, @Param('tenant') tenant: string, @Query() query: Record<string, string | undefined>) {
    const caller = request.auditCaller;
    const who = caller?.kind === 'auditor' ? `auditor:${caller.auditor.auditorId}` : 'admin';
    return guarded(this.log.inclusionProof({ ...inclusionQuery(query), tenant }, actor(request, who)));
  }

  @ApiBearerAuth()
  @ApiOperation({ summary: 'Consistency proof between two tree sizes (admin or auditor token of the tenant)' })
  @ApiTenantParam()
  @Get('tenants/:tenant/audit/transparency/proofs/consistency')
  @UseGuards(AuditAuthGuard)
  @ApiConsistencyQuery()
  tenantConsistency(@Query('from') from?: string, @Query('to') to?: string) {
    return this.consistency(from, to);
  }

  private latestView() {
    const latest = this.log.latestCheckpoint();
    if (!latest) throw new NotFoundException('no checkpoint has been signed yet: POST /transparency/checkpoints signs one');
    return checkpointView(latest);
  }
}

/** These handlers do not read the tenant, so Nest cannot infer the path parameter; OpenAPI requires it. */
function ApiTenantParam() {
  return ApiParam({ name: 'tenant', schema: { type: 'string' }, description: 'tenant id; an auditor token answers only for its own tenant' });
}

/** Optional handler arguments still read as required query parameters to Nest; these say what is optional. */
function ApiConsistencyQuery() {
  return applyDecorators(
    ApiQuery({ name: 'from', required: true, schema: { type: 'integer', minimum: 1 }, description: 'the older tree size' }),
    ApiQuery({ name: 'to', required: false, schema: { type: 'integer', minimum: 1 }, description: 'the newer tree size; default the latest checkpoint' }),
  );
}

function ApiInclusionQuery() {
  return applyDecorators(
    ApiQuery({ name: 'eventId', required: false, schema: { type: 'string' }, description: 'the event to prove; give exactly one of eventId or position' }),
    ApiQuery({ name: 'position', required: false, schema: { type: 'string', pattern: '^[0-9]+$' }, description: 'log position of the event to prove' }),
    ApiQuery({ name: 'treeSize', required: false, schema: { type: 'integer', minimum: 1 }, description: 'prove against this tree size; default a signed checkpoint covering the event' }),
  );
}

function checkpointView(checkpoint: StoredCheckpoint) {
  return {
    origin: checkpoint.origin,
    treeSize: checkpoint.treeSize,
    rootHash: checkpoint.rootHash,
    time: checkpoint.time,
    keyId: checkpoint.keyId,
    recordedAtPosition: checkpoint.position.toString(),
    checkpoint: checkpoint.note,
  };
}

function actor(request: Request, who: string): ActorContext {
  const trace = traceOf(request);
  return { actor: who, correlationId: trace.correlationId, requestId: trace.requestId };
}

function inclusionQuery(query: Record<string, string | undefined>): { eventId?: string; position?: bigint; treeSize?: number } {
  const eventId = query['eventId']?.trim();
  const at = position(query['position'], 'position');
  if (!eventId === (at === null)) throw new BadRequestException('pass exactly one of eventId or position');
  const treeSize = integer(query['treeSize'], 'treeSize', 1);
  return { ...(eventId ? { eventId } : { position: at! }), ...(treeSize !== null ? { treeSize } : {}) };
}

function integer(raw: string | undefined, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | null {
  if (raw === undefined || raw === '') return null;
  if (!/^[0-9]{1,16}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new BadRequestException(`${name} must be a whole number between ${min} and ${max}`);
  }
  return Number(raw);
}

function position(raw: string | undefined, name: string): bigint | null {
  if (raw === undefined || raw === '') return null;
  if (!/^[0-9]{1,19}$/.test(raw) || BigInt(raw) < 1n) throw new BadRequestException(`${name} must be a positive whole number`);
  return BigInt(raw);
}

function missing(name: string): never {
  throw new BadRequestException(`${name} is required`);
}

/** Maps the transparency log's errors to HTTP answers. */
async function guarded<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (!(error instanceof TransparencyError)) throw error;
    switch (error.code) {
      case 'NOT_FOUND':
        throw new NotFoundException(error.message);
      case 'INVALID_REQUEST':
        throw new BadRequestException(error.message);
      case 'TOO_LARGE':
        throw new HttpException({ statusCode: 422, error: 'TOO_LARGE', message: error.message }, HttpStatus.UNPROCESSABLE_ENTITY);
      case 'UNAVAILABLE':
        throw new ServiceUnavailableException(error.message);
      default: {
        const _exhaustive: never = error.code;
        throw new Error(`unknown transparency error ${String(_exhaustive)}`);
      }
    }
  }
}

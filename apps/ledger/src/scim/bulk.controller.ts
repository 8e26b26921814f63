import { ApiExcludeController } from '@nestjs/swagger';
import { Body, Controller, HttpCode, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ScimError } from '@ledger/scim';
import type { Response } from 'express';
import { ScimAuthGuard, type ScimRequest } from './scim-auth.guard';
import { baseUrlOf, scimContext } from './scim-context';
import { ScimExceptionFilter, toScimError } from './scim-exception.filter';
import { ScimOperations, type WriteAnswer } from './scim-operations';
import { noter, send } from './users.controller';

export const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
export const BULK_MAX_OPERATIONS = 1000;
export const BULK_MAX_PAYLOAD_BYTES = 1_048_576;

interface BulkOperation {
  method: string;
  bulkId?: string;
  version?: string;
  path: string;
  data?: unknown;
}

interface BulkResult {
  method: string;
  bulkId?: string;
  version?: string;
  location?: string;
  status: string;
  response?: unknown;
}

const BULK_REF = /^bulkId:(.+)$/;

/**
 * RFC 7644 §3.7 Bulk: operations run in order, except that the POST defining a bulkId runs
 * early when an earlier operation refers to it; `failOnErrors` stops processing after that
 * many errors.
 */
@ApiExcludeController()
@Controller('tenants/:tenant/scim/v2/Bulk')
@UseGuards(ScimAuthGuard)
@UseFilters(ScimExceptionFilter)
export class BulkController {
  constructor(private readonly operations: ScimOperations) {}

  @Post()
  @HttpCode(200)
  async bulk(@Req() request: ScimRequest, @Body() body: unknown, @Res() response: Response): Promise<void> {
    const size = Number(request.headers['content-length'] ?? Buffer.byteLength(JSON.stringify(body ?? null)));
    if (size > BULK_MAX_PAYLOAD_BYTES) {
      throw new ScimError(413, undefined, `Bulk payload of ${size} bytes exceeds maxPayloadSize ${BULK_MAX_PAYLOAD_BYTES}; split it into smaller requests`);
    }
    const { operations, failOnErrors } = readBulkRequest(body);
    const context = scimContext(request);
    const base = baseUrlOf(request);
    const created = new Map<string, string>();
    const results: Array<BulkResult | undefined> = new Array(operations.length);
    const definedAt = new Map(operations.flatMap((operation, index) => (operation.bulkId ? [[operation.bulkId, index] as const] : [])));
    const state: Array<'waiting' | 'running' | 'done'> = operations.map(() => 'waiting');
    let errors = 0;
    const stopped = () => failOnErrors !== undefined && errors >= failOnErrors;
    const finish = (index: number, result: BulkResult) => {
      results[index] = result;
      state[index] = 'done';
      if (Number(result.status) >= 400) errors++;
    };

    // In request order; an operation that refers to a bulkId defined later pulls that one POST
    // forward (and its own dependencies), and nothing else moves.
    const runAt = async (index: number): Promise<void> => {
      if (state[index] !== 'waiting' || stopped()) return;
      const operation = operations[index]!;
      state[index] = 'running';
      for (const id of referencedBulkIds(operation)) {
        const dependency = definedAt.get(id);
        if (dependency === undefined || created.has(id)) continue;
        if (state[dependency] === 'running') {
          return finish(index, failure(operation, new ScimError(409, 'invalidValue', `bulkId references of operation ${index} form a cycle (through bulkId ${id})`)));
        }
        await runAt(dependency);
      }
      if (stopped()) {
        state[index] = 'waiting';
        return;
      }
      const unresolved = referencedBulkIds(operation).filter((id) => !created.has(id));
      finish(index, await this.run(context, base, operation, created, unresolved, request));
    };
    for (let index = 0; index < operations.length && !stopped(); index++) await runAt(index);
    send(response, 200, { schemas: [BULK_RESPONSE], Operations: results.filter((r): r is BulkResult => r !== undefined) });
  }

  private async run(
    context: ReturnType<typeof scimContext>,
    base: string,
    operation: BulkOperation,
    created: Map<string, string>,
    unresolved: string[],
    request: ScimRequest,
  ): Promise<BulkResult> {
    try {
      if (unresolved.length > 0) {
        throw new ScimError(409, 'invalidValue', `bulkId ${unresolved.join(', ')} was not created by this request (no POST defines it, or that POST failed)`);
      }
      const path = resolveRefs(operation.path, created) as string;
      const data = resolveRefs(operation.data, created);
      const match = /^\/(Users|Groups)(?:\/([^/]+))?$/.exec(path);
      if (!match) throw new ScimError(400, 'invalidPath', `Bulk path "${operation.path}" must be /Users, /Groups, /Users/{id} or /Groups/{id}`);
      const [, resource, id] = match as unknown as [string, 'Users' | 'Groups', string | undefined];
      const method = operation.method.toUpperCase();
      const note = noter(request);
      const ifMatch = operation.version;
      let outcome: WriteAnswer;
      if (method === 'POST' && !id) {
        outcome = resource === 'Users' ? await this.operations.createUser(context, base, data, note) : await this.operations.createGroup(context, base, data, note);
        if (operation.bulkId) created.set(operation.bulkId, outcome.resourceId);
      } else if (id && method === 'PUT') {
        outcome = resource === 'Users' ? await this.operations.replaceUser(context, base, id, data, ifMatch, note) : await this.operations.replaceGroup(context, base, id, data, ifMatch, note);
      } else if (id && method === 'PATCH') {
        outcome = resource === 'Users' ? await this.operations.patchUser(context, base, id, data, ifMatch, note) : await this.operations.patchGroup(context, base, id, data, ifMatch, note);
      } else if (id && method === 'DELETE') {
        outcome = resource === 'Users' ? await this.operations.deleteUser(context, id, ifMatch) : await this.operations.deleteGroup(context, id, ifMatch);
      } else {
        throw new ScimError(400, 'invalidSyntax', `Bulk method ${operation.method} does not apply to path ${operation.path}`);
      }
      return {
        method: operation.method,
        ...(operation.bulkId ? { bulkId: operation.bulkId } : {}),
        ...(outcome.etag ? { version: outcome.etag } : {}),
        location: outcome.location ?? `${base}/${resource}/${outcome.resourceId}`,
        status: String(outcome.status),
      };
    } catch (error) {
      return failure(operation, toScimError(error));
    }
  }
}

function failure(operation: BulkOperation, error: ScimError): BulkResult {
  return { method: operation.method, ...(operation.bulkId ? { bulkId: operation.bulkId } : {}), status: String(error.status), response: error.toResponse() };
}

function readBulkRequest(body: unknown): { operations: BulkOperation[]; failOnErrors: number | undefined } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ScimError(400, 'invalidSyntax', 'a Bulk body must be a BulkRequest JSON object');
  const request = body as Record<string, unknown>;
  if (!Array.isArray(request['schemas']) || !(request['schemas'] as unknown[]).includes(BULK_REQUEST)) {
    throw new ScimError(400, 'invalidSyntax', `a Bulk request must list the schema ${BULK_REQUEST}`);
  }
  const operations = request['Operations'];
  if (!Array.isArray(operations) || operations.length === 0) throw new ScimError(400, 'invalidSyntax', 'a Bulk request needs a non-empty Operations array');
  if (operations.length > BULK_MAX_OPERATIONS) {
    throw new ScimError(413, undefined, `Bulk request has ${operations.length} operations; maxOperations is ${BULK_MAX_OPERATIONS}`);
  }
  operations.forEach((operation, index) => {
    const op = operation as Record<string, unknown>;
    if (op === null || typeof op !== 'object' || typeof op['method'] !== 'string' || typeof op['path'] !== 'string') {
      throw new ScimError(400, 'invalidSyntax', `Bulk operation ${index} needs a method and a path`);
    }
    if (op['bulkId'] !== undefined && typeof op['bulkId'] !== 'string') throw new ScimError(400, 'invalidSyntax', `Bulk operation ${index}: bulkId must be a string`);
    if (op['method'] === 'POST' && !op['bulkId']) throw new ScimError(400, 'invalidSyntax', `Bulk operation ${index}: a POST needs a bulkId`);
  });
  const seen = new Map<string, number>();
  operations.forEach((operation, index) => {
    const bulkId = (operation as { bulkId?: string }).bulkId;
    if (bulkId === undefined) return;
    const first = seen.get(bulkId);
    if (first !== undefined) throw new ScimError(400, 'invalidValue', `bulkId "${bulkId}" is used by operations ${first} and ${index}; a bulkId must be unique within a request`);
    seen.set(bulkId, index);
  });
  const failOnErrors = request['failOnErrors'];
  if (failOnErrors !== undefined && (!Number.isInteger(failOnErrors) || (failOnErrors as number) < 1)) {
    throw new ScimError(400, 'invalidValue', 'failOnErrors must be a positive integer');
  }
  return { operations: operations as BulkOperation[], failOnErrors: failOnErrors as number | undefined };
}

function referencedBulkIds(operation: BulkOperation): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      for (const segment of value.split('/')) {
        const match = BULK_REF.exec(segment);
        if (match) found.add(match[1]!);
      }
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(operation.path);
  visit(operation.data);
  return [...found];
}

function resolveRefs(value: unknown, created: Map<string, string>): unknown {
  if (typeof value === 'string') {
    return value.split('/').map((segment) => {
      const match = BULK_REF.exec(segment);
      return match && created.has(match[1]!) ? created.get(match[1]!)! : segment;
    }).join('/');
  }
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, created));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, created)]));
  return value;
}

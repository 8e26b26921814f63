import { Inject, Injectable, Optional } from '@nestjs/common';
import { streams } from '@ledger/domain';
import type { EventStore, RecordedEvent } from '@ledger/eventstore';
import { AuditReadModel, timeOf, userAt } from '@ledger/projections';
import { createHash } from 'node:crypto';
import { EVENT_STORE } from '../infrastructure/tokens';
import { userResource } from '../scim/resource-mapper';
import { AuditService } from './audit.service';
import { eventView } from './audit-views';

/**
 * Hook for request records kept outside the event log (the request ledger). RequestRecorded
 * events in the log are exported as events already; a provider bound to this token adds
 * `request` lines after them. Nothing is bound by default.
 */
export const AUDIT_REQUEST_RECORDS = Symbol('AUDIT_REQUEST_RECORDS');

export interface RequestRecordSource {
  /** Records of the half-open period [from, to). */
  requestsBetween(tenant: string, from: string, to: string): AsyncIterable<Record<string, unknown>>;
}

export type ExportFormat = 'jsonl' | 'csv';

/** Where the bundle goes: write resolves when the chunk may be followed by more (backpressure). */
export interface ExportSink {
  write(chunk: string): Promise<void>;
  closed(): boolean;
}

export interface ExportRequest {
  tenant: string;
  from: string;
  to: string;
  format: ExportFormat;
  baseUrl: string;
  generatedBy: string;
  now: Date;
  /** Names the bundle in its manifest and in the AuditBundleExported event that records it. */
  exportId: string;
}

export interface ExportManifest {
  kind: 'manifest';
  exportId: string;
  format: ExportFormat;
  tenant: string;
  from: string;
  to: string;
  generatedAt: string;
  generatedBy: string;
  counts: { events: number; requests: number; snapshots: number };
  firstPosition: string | null;
  lastPosition: string | null;
  sha256: string;
  sha256Covers: string;
}

const READ_PAGE = 1000;
const SNAPSHOT_PAGE = 200;

const CSV_COLUMNS = [
  'kind', 'position', 'stream_id', 'revision', 'event_id', 'type', 'schema_version', 'recorded_at', 'actor', 'request_id',
  'correlation_id', 'idp', 'token_id', 'prev_hash', 'hash', 'data', 'metadata',
] as const;
type CsvRow = Partial<Record<(typeof CSV_COLUMNS)[number], string | number | null>>;

/**
 * The evidence bundle: the tenant's events in the period (with their hash chain fields), any
 * request records, every user's state at the end of the period, then a manifest whose sha256 covers every byte
 * before it. Streamed page by page: memory stays flat whatever the period.
 */
@Injectable()
export class AuditExporter {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly model: AuditReadModel,
    private readonly audit: AuditService,
    @Optional() @Inject(AUDIT_REQUEST_RECORDS) private readonly requestRecords?: RequestRecordSource,
  ) {}

  async export(request: ExportRequest, sink: ExportSink): Promise<ExportManifest> {
    const { tenant, from, to, format } = request;
    const digest = createHash('sha256');
    const emit = async (chunk: string) => {
      digest.update(chunk, 'utf8');
      await sink.write(chunk);
    };
    const counts = { events: 0, requests: 0, snapshots: 0 };
    let firstPosition: bigint | null = null;
    let lastPosition: bigint | null = null;

    await this.audit.consistent();
    if (format === 'csv') await emit(`${CSV_COLUMNS.join(',')}\r\n`);
    else await emit(jsonLine({ kind: 'header', exportId: request.exportId, tenant, from, to, generatedAt: request.now.toISOString(), generatedBy: request.generatedBy }));

    const bounds = this.model.changes.positionBounds(tenant, from, to);
    if (bounds) {
      let after = bounds.first - 1n;
      scan: while (after < bounds.last) {
        const batch = await this.store.readAll({ after, maxCount: READ_PAGE });
        if (batch.length === 0) break;
        for (const event of batch) {
          if (event.position > bounds.last || sink.closed()) break scan;
          if (event.metadata.tenant !== tenant) continue;
          const at = timeOf(event);
          if (at < from || at >= to) continue;
          await emit(format === 'csv' ? csvLine(eventRow(event)) : jsonLine({ kind: 'event', ...eventView(event) }));
          counts.events++;
          if (event.type === 'RequestRecorded') counts.requests++;
          firstPosition ??= event.position;
          lastPosition = event.position;
        }
        after = batch[batch.length - 1]!.position;
      }
    }

    if (this.requestRecords && !sink.closed()) {
      for await (const record of this.requestRecords.requestsBetween(tenant, from, to)) {
        if (sink.closed()) break;
        await emit(
          format === 'csv'
            ? csvLine({ kind: 'request', request_id: str(record['requestId']), correlation_id: str(record['correlationId']), recorded_at: str(record['at']), data: JSON.stringify(record) })
            : jsonLine({ kind: 'request', ...record }),
        );
        counts.requests++;
      }
    }

    // The state at the end of the period [from, to): after every event before `to`, none at it.
    const snapshotAt = new Date(Date.parse(to) - 1).toISOString();
    let afterId = '';
    while (!sink.closed()) {
      const ids = this.model.activity.userIdsExistingAt(tenant, snapshotAt, afterId, SNAPSHOT_PAGE);
      if (ids.length === 0) break;
      for (const userId of ids) {
        const streamId = streams.user(tenant, userId);
        const events = await this.store.readStream(streamId);
        const folded = userAt(events, snapshotAt);
        if (folded.status !== 'present') continue;
        // Nested groups too, as users/{id}/state shows them: the snapshot is that answer at the period's end.
        const groups = this.audit
          .groupsAt(tenant, userId, snapshotAt)
          .map((g) => ({ groupId: g.groupId, displayName: g.displayName ?? g.groupId, direct: g.type === 'direct' }));
        const resource = userResource(folded.user, request.baseUrl, groups);
        const basedOn = events[folded.revision]!;
        await emit(
          format === 'csv'
            ? csvLine({ kind: 'snapshot', stream_id: streamId, revision: basedOn.revision, hash: basedOn.hash, recorded_at: snapshotAt, data: JSON.stringify(resource) })
            : jsonLine({ kind: 'snapshot', userId, at: snapshotAt, basedOn: { streamId, revision: basedOn.revision, hash: basedOn.hash }, resource }),
        );
        counts.snapshots++;
      }
      afterId = ids[ids.length - 1]!;
    }

    const manifest: ExportManifest = {
      kind: 'manifest',
      exportId: request.exportId,
      format,
      tenant,
      from,
      to,
      generatedAt: request.now.toISOString(),
      generatedBy: request.generatedBy,
      counts,
      firstPosition: firstPosition?.toString() ?? null,
      lastPosition: lastPosition?.toString() ?? null,
      sha256: digest.digest('hex'),
      sha256Covers: 'every byte of this file before the manifest line',
    };
    if (!sink.closed()) {
      await sink.write(format === 'csv' ? csvLine({ kind: 'manifest', data: JSON.stringify(manifest) }) : jsonLine(manifest));
    }
    return manifest;
  }
}

function eventRow(event: RecordedEvent): CsvRow {
  const m = event.metadata;
  return {
    kind: 'event', position: event.position.toString(), stream_id: event.streamId, revision: event.revision, event_id: event.id, type: event.type,
    schema_version: event.schemaVersion, recorded_at: m.recordedAt, actor: m.actor, request_id: m.requestId ?? null,
    correlation_id: m.correlationId ?? null, idp: m.idp ?? null, token_id: m.tokenId ?? null, prev_hash: event.prevHash, hash: event.hash,
    data: JSON.stringify(event.data), metadata: JSON.stringify(m),
  };
}

/** RFC 4180: quote fields with separators, quotes or line breaks; CRLF line ends. */
function jsonLine(value: object): string {
  return `${JSON.stringify(value)}\n`;
}

function csvLine(row: CsvRow): string {
  return `${CSV_COLUMNS.map((column) => csvField(row[column])).join(',')}\r\n`;
}

function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

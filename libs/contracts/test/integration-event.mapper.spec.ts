import type { RecordedEvent } from '@ledger/eventstore';
import { eventHash } from '@ledger/eventstore';
import { CE_HEADERS, parseIntegrationEventValue, readCloudEventHeaders, toIntegrationEvent, toSlaAlert } from '@ledger/contracts';

function aRecordedEvent(overrides: Partial<RecordedEvent> = {}): RecordedEvent {
  const base = {
    id: '0190f5a2-7b1c-7d3e-8f40-123456789abc',
    streamId: 'user-acme:6a1f',
    revision: 2,
    position: 9_007_199_254_740_993n,
    type: 'UserDeactivated',
    schemaVersion: 1,
    data: { userId: '6a1f', at: '2026-03-03T10:00:00.000Z' },
    metadata: {
      tenant: 'acme',
      correlationId: 'corr-1',
      causationId: null,
      requestId: 'req-1',
      idp: 'entra',
      tokenId: 'tok-7',
      actor: 'scim:entra-prod',
      recordedAt: '2026-03-03T10:00:00.123Z',
    },
    prevHash: 'a'.repeat(64),
    ...overrides,
  };
  return { ...base, hash: overrides.hash ?? eventHash(base) } as RecordedEvent;
}

describe('toIntegrationEvent', () => {
  it('maps an event to a CloudEvent in Kafka binary mode, keyed by its stream', () => {
    const sut = toIntegrationEvent(aRecordedEvent());

    expect(sut.key).toBe('user-acme:6a1f');
    expect(sut.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: '0190f5a2-7b1c-7d3e-8f40-123456789abc',
      ce_source: '/tenants/acme',
      ce_type: 'io.scim-ledger.UserDeactivated.v1',
      ce_time: '2026-03-03T10:00:00.123Z',
      ce_subject: 'user-acme:6a1f',
      ce_tenant: 'acme',
      ce_correlationid: 'corr-1',
      'content-type': 'application/json',
    });
  });

  it('puts the schema version in the type, so a new event shape is a new type', () => {
    expect(toIntegrationEvent(aRecordedEvent({ schemaVersion: 3 })).headers[CE_HEADERS.type]).toBe('io.scim-ledger.UserDeactivated.v3');
  });

  it('carries the causation id when there is one', () => {
    const recorded = aRecordedEvent();
    const sut = toIntegrationEvent({ ...recorded, metadata: { ...recorded.metadata, causationId: 'evt-0' } });
    expect(sut.headers[CE_HEADERS.causationId]).toBe('evt-0');
  });

  it('escapes a tenant id that is not URI-safe in ce_source only', () => {
    const recorded = aRecordedEvent();
    const sut = toIntegrationEvent({ ...recorded, metadata: { ...recorded.metadata, tenant: 'acme corp' } });
    expect(sut.headers).toMatchObject({ ce_source: '/tenants/acme%20corp', ce_tenant: 'acme corp' });
  });

  it('keeps every hashed field, so a consumer can verify the event without asking us', () => {
    const recorded = aRecordedEvent();
    const value = parseIntegrationEventValue(toIntegrationEvent(recorded).value);

    expect(value).toEqual({
      id: recorded.id,
      type: 'UserDeactivated',
      schemaVersion: 1,
      streamId: 'user-acme:6a1f',
      revision: 2,
      position: '9007199254740993',
      data: recorded.data,
      metadata: recorded.metadata,
      prevHash: recorded.prevHash,
      hash: recorded.hash,
    });
    expect(eventHash(value)).toBe(recorded.hash);
  });

  it('round-trips its headers through readCloudEventHeaders as a client hands them over', () => {
    const { headers } = toIntegrationEvent(aRecordedEvent());
    const asBuffers = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)]));
    expect(readCloudEventHeaders(asBuffers)).toMatchObject({ specversion: '1.0', type: 'io.scim-ledger.UserDeactivated.v1', tenant: 'acme' });
    expect(readCloudEventHeaders({ ce_id: 'x' })).toBeNull();
  });
});

describe('toSlaAlert', () => {
  it.each(['SlaBreached', 'SlaResolved'])('publishes %s as an alert keyed by its case', (type) => {
    const sut = toSlaAlert(aRecordedEvent({ type, streamId: 'slaCase-acme:leaver-1', data: { caseId: 'leaver-1' } }));
    expect(sut).toMatchObject({ key: 'slaCase-acme:leaver-1', headers: { ce_type: `io.scim-ledger.${type}.v1` } });
  });

  it('ignores every other event', () => {
    expect(toSlaAlert(aRecordedEvent({ type: 'SlaCaseOpened' }))).toBeNull();
  });
});

import { InvalidCommand, ResourceAlreadyExists, decideTenant, evolveTenant, initialTenant, type TenantEvent } from '@ledger/domain';
import { T0, T1, deciderSpec } from '@ledger/testing';

const given = deciderSpec({ decide: decideTenant, evolve: evolveTenant, initialState: initialTenant });
const created: TenantEvent = { type: 'TenantCreated', data: { tenantId: 'acme', name: 'Acme', at: T0 } };

describe('tenant decider', () => {
  it('creates a tenant with a URL-safe id', () => {
    given([]).when({ type: 'CreateTenant', tenantId: 'acme', name: 'Acme', at: T0 }).then([created]);
    given([]).when({ type: 'CreateTenant', tenantId: 'Acme Corp', name: '', at: T0 }).thenThrows(InvalidCommand);
    given([created]).when({ type: 'CreateTenant', tenantId: 'acme', name: 'Acme', at: T1 }).thenThrows(ResourceAlreadyExists);
  });

  it('suspends and resumes, idempotently', () => {
    given([created]).when({ type: 'SuspendTenant', tenantId: 'acme', reason: 'contract ended', at: T1 }).then([
      { type: 'TenantSuspended', data: { tenantId: 'acme', reason: 'contract ended', at: T1 } },
    ]);
    given([created, { type: 'TenantSuspended', data: { tenantId: 'acme', reason: null, at: T1 } }])
      .when({ type: 'SuspendTenant', tenantId: 'acme', reason: null, at: T1 })
      .then([]);
    given([created]).when({ type: 'ResumeTenant', tenantId: 'acme', at: T1 }).then([]);
  });

  it('sets request ledger retention in whole days, or unlimited', () => {
    given([created]).when({ type: 'SetRequestRetention', tenantId: 'acme', requestRetentionDays: 90, at: T1 }).then([
      { type: 'TenantRetentionSet', data: { tenantId: 'acme', requestRetentionDays: 90, at: T1 } },
    ]);
    given([created]).when({ type: 'SetRequestRetention', tenantId: 'acme', requestRetentionDays: null, at: T1 }).then([]);
    given([created]).when({ type: 'SetRequestRetention', tenantId: 'acme', requestRetentionDays: 0, at: T1 }).thenThrows(InvalidCommand);
  });
});

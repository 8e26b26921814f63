import { decideSlaCase, evolveSlaCase, initialSlaCase, type OpenedSlaCase, type SlaBreached, type SlaCaseEvent } from '@ledger/domain';
import { alertmanagerAlerts, describe as describeFailure, pagerDutyEvent, webhookBody, type AlertContext } from '../src/alert-routes';

const T0 = '2026-03-03T10:00:00.000Z';
const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();

function breachedCase(): { state: OpenedSlaCase; breach: SlaBreached['data'] } {
  const events: SlaCaseEvent[] = decideSlaCase({
    type: 'OpenCase', caseId: 'leaver-1', kind: 'leaver', userId: 'u1', userName: 'alice@example.com',
    terms: { policyVersion: 3, windowSeconds: 900, severity: 'error', scope: 'privileged', privilegedGroups: ['finance-admins'], downstreamTargets: [], expectedGroups: [], groupRules: [] },
    source: { type: 'TerminationSignal', eventId: 'e1', at: T0, signalId: 'hr-1', effectiveAt: T0, receivedAt: T0 },
    facts: { userState: 'active', heldGroups: ['finance-admins'], missingGroups: [], ruleGroupChanged: false },
  }, initialSlaCase);
  const opened = events.reduce(evolveSlaCase, initialSlaCase);
  const [breach] = decideSlaCase({ type: 'BreachCase', caseId: 'leaver-1', at: at(900), heldGroups: ['finance-admins'] }, opened);
  return { state: evolveSlaCase(opened, breach!) as OpenedSlaCase, breach: breach!.data as SlaBreached['data'] };
}

function context(alert: 'trigger' | 'resolve'): AlertContext {
  const { state, breach } = breachedCase();
  return {
    tenant: 'acme', alert, state, breach, now: new Date(at(901)),
    resolution: alert === 'resolve' ? { caseId: 'leaver-1', late: true, reason: 'completed', elapsedSeconds: 1200, at: at(1200) } : null,
    timeline: [{ revision: 1, type: 'SlaMilestoneRecorded', at: T0, recordedAt: T0, actor: 'sla:a', data: { milestone: 'terminationSignalReceived', detail: { signalId: 'hr-1' } } }],
  };
}

describe('alert payloads', () => {
  it('a PagerDuty trigger carries the case as dedup_key, the mapped severity and the evidence', () => {
    expect(pagerDutyEvent('KEY', context('trigger'))).toEqual({
      routing_key: 'KEY',
      event_action: 'trigger',
      dedup_key: 'leaver-1',
      client: 'scim-ledger',
      payload: {
        summary: 'Leaver SLA breached for alice@example.com in acme: 15 min window ended 2026-03-03T10:15:00.000Z: the user is still active in the target; still a member of: finance-admins',
        source: 'scim-ledger/acme',
        severity: 'error',
        timestamp: at(900),
        component: 'leaver-sla',
        group: 'acme',
        class: 'lifecycle-sla-breach',
        custom_details: expect.objectContaining({
          user: { id: 'u1', userName: 'alice@example.com' },
          policy: { version: 3, windowSeconds: 900, scope: 'privileged', privilegedGroups: ['finance-admins'], downstreamTargets: [] },
          window: { startedAt: T0, deadline: at(900), seconds: 900 },
          elapsedSeconds: 901,
          milestones: [{ milestone: 'terminationSignalReceived', at: T0, signalId: 'hr-1' }],
        }),
      },
    });
  });

  it('a PagerDuty resolve names only the case', () => {
    expect(pagerDutyEvent('KEY', context('resolve'))).toEqual({ routing_key: 'KEY', event_action: 'resolve', dedup_key: 'leaver-1' });
  });

  it('Alertmanager gets one alert labelled by case; the resolve ends it at the completion', () => {
    const [firing] = alertmanagerAlerts(context('trigger'));
    expect(firing).toMatchObject({ labels: { alertname: 'SlaBreached', tenant: 'acme', severity: 'error', case: 'leaver-1', kind: 'leaver' }, startsAt: at(900) });
    expect(Object.values(firing!['annotations'] as Record<string, unknown>).every((v) => typeof v === 'string')).toBe(true);
    expect(alertmanagerAlerts(context('resolve'))[0]).toMatchObject({ startsAt: at(900), endsAt: at(1200) });
  });

  it('webhooks get the same evidence with the alert kind', () => {
    expect(webhookBody(context('resolve'))).toMatchObject({ type: 'SlaResolved', alert: 'resolve', resolution: 'completed', resolvedAt: at(1200), elapsedSeconds: 1200 });
  });

  it('a failure is described without the URL it went to', () => {
    expect(describeFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
    expect(describeFailure(new Error('bad answer from https://hooks.example.com/T000/B000/secret'))).toBe('bad answer from <url>');
  });
});

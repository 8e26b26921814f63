import { deciderSpec } from '@ledger/testing';
import { InvalidCommand } from '../shared/domain-error';
import { maskSlaPolicy, routeIds } from './sla-policy';
import { slaPolicyDecider, type SlaPolicyEvent } from './sla-policy.decider';

const given = deciderSpec(slaPolicyDecider);
const T0 = '2026-03-03T10:00:00.000Z';
const T1 = '2026-03-03T11:00:00.000Z';

const document = {
  leaver: { windowSeconds: 900, severity: 'critical', scope: 'privileged', privilegedGroups: ['finance-admins'] },
  joiner: { windowSeconds: 86400, severity: 'warning', expectedGroups: ['staff'] },
  routes: [{ type: 'pagerduty', routingKeyEnv: 'PAGERDUTY_KEY' }, { type: 'log' }],
};

const normalised = {
  leaver: { windowSeconds: 900, severity: 'critical', scope: 'privileged', privilegedGroups: ['finance-admins'] },
  joiner: { windowSeconds: 86400, severity: 'warning', scope: 'all', privilegedGroups: [], expectedGroups: ['staff'] },
  downstreamTargets: [],
  routes: [{ type: 'pagerduty', routingKeyEnv: 'PAGERDUTY_KEY' }, { type: 'log' }],
};

const set = (policy: unknown, at = T0) => ({ type: 'SetSlaPolicy' as const, tenant: 'acme', policy, at });
const policySet = (version: number, policy: unknown, at = T0): SlaPolicyEvent =>
  ({ type: 'SlaPolicySet', data: { tenant: 'acme', version, policy, at } }) as SlaPolicyEvent;

describe('SLA policy decider', () => {
  it('the first policy is version 1, with defaults filled in', () =>
    given([]).when(set(document)).then([policySet(1, normalised)]));

  it('a changed policy is the next version', () =>
    given([policySet(1, normalised)]).when(set({ ...document, leaver: { ...document.leaver, windowSeconds: 60 } }, T1)).thenState((state) => {
      expect(state.version).toBe(2);
      expect(state.policy?.leaver?.windowSeconds).toBe(60);
    }));

  it('the same policy again is not a new version', () => given([policySet(1, normalised)]).when(set(document, T1)).then([]));

  it('refuses a bad document and names every problem at once', () =>
    given([]).when(set({
      leaver: { windowSeconds: 0, severity: 'sev1', scope: 'privileged' },
      routes: [{ type: 'pagerduty' }, { type: 'webhook', url: 'ftp://x' }, { type: 'sms' }],
      windowSecond: 5,
    })).thenThrows(new InvalidCommand(
      'invalid SLA policy: policy has an unknown field "windowSecond"; leaver.windowSeconds must be a whole number of seconds between 1 and 31622400; ' +
      'leaver.severity must be one of critical, error, warning, info; leaver.privilegedGroups must name at least one group when scope is "privileged"; ' +
      'routes[0] needs routingKey (the Events API v2 integration key, kept outside the event log) or routingKeyEnv (the environment variable that holds it); routes[1].url must be an absolute http(s) URL; ' +
      'routes[2].type must be one of pagerduty, alertmanager, webhook, kafka, log',
    )));

  it('names routes by position unless they are named, and refuses two of one name', () => {
    expect(routeIds({ downstreamTargets: [], routes: [{ type: 'log' }, { type: 'webhook', url: 'http://x', name: 'slack' }, { type: 'log' }] }))
      .toEqual(['log-1', 'slack', 'log-3']);
    given([]).when(set({ routes: [{ type: 'log', name: 'a' }, { type: 'log', name: 'a' }] })).thenThrows(/two routes are named "a"/);
  });

  it('refuses a routing key or URL credentials written into the policy: policies are events, and events are published', () => {
    // The API swaps an inline key for a reference before deciding: a key that reaches the decider is never recorded.
    given([]).when(set({ routes: [{ type: 'pagerduty', routingKey: 'R0123456789abcdef0123456789abcd' }] })).thenThrows(/routes\[0\]\.routingKey/);
    given([]).when(set({ routes: [{ type: 'alertmanager', url: 'https://am:secret@alerts.example.com' }] })).thenThrows(/routes\[0\]\.url must not carry a user name or password/);
  });

  it('takes a routing key by reference into the secret store, but not together with an environment variable', () => {
    given([]).when(set({ routes: [{ type: 'pagerduty', routingKeyRef: 'rk_0123456789abcdefABCDEF' }] })).thenState((state) => {
      expect(state.policy?.routes).toEqual([{ type: 'pagerduty', routingKeyRef: 'rk_0123456789abcdefABCDEF' }]);
    });
    given([]).when(set({ routes: [{ type: 'pagerduty', routingKeyRef: 'rk_0123456789abcdefABCDEF', routingKeyEnv: 'PD_KEY' }] })).thenThrows(/routingKeyEnv or routingKeyRef, not both/);
    given([]).when(set({ routes: [{ type: 'pagerduty', routingKeyRef: 'the-key-itself' }] })).thenThrows(/routingKeyRef must be a reference/);
  });

  it('shows a routing key kept by an older policy only by its last characters', () => {
    const older = { ...normalised, routes: [{ type: 'pagerduty', routingKey: 'R0123456789abcdef0123456789abcd' }] };
    expect(maskSlaPolicy(older as never).routes[0]).toEqual({ type: 'pagerduty', routingKey: '…abcd' });
  });
});

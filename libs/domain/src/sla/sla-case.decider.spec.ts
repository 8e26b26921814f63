import { deciderSpec } from '@ledger/testing';
import { caseIdFor, slaCaseDecider, SlaCaseNotFound, type SlaCaseCommand } from './sla-case.decider';
import type { CaseFacts, CaseSource, CaseTerms, SlaCaseEvent } from './sla-case.events';

const given = deciderSpec(slaCaseDecider);

const T0 = '2026-03-03T10:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const USER = 'u-alice';
const CASE = caseIdFor('leaver', 'evt-signal');

function terms(overrides: Partial<CaseTerms> = {}): CaseTerms {
  return {
    policyVersion: 1, windowSeconds: 900, severity: 'critical', scope: 'all', privilegedGroups: [],
    downstreamTargets: [], expectedGroups: [], groupRules: [], ...overrides,
  };
}

function facts(overrides: Partial<CaseFacts> = {}): CaseFacts {
  return { userState: 'active', heldGroups: ['finance-admins'], missingGroups: [], ruleGroupChanged: false, ...overrides };
}

const signal = (seconds = 0, effective = seconds): CaseSource => ({
  type: 'TerminationSignal', eventId: 'evt-signal', at: at(seconds), signalId: 'hr-1', effectiveAt: at(effective), receivedAt: at(seconds),
});
const deactivated = (seconds: number, eventId = 'evt-deactivated'): CaseSource => ({ type: 'UserDeactivated', eventId, at: at(seconds) });
const reactivated = (seconds: number): CaseSource => ({ type: 'UserReactivated', eventId: 'evt-reactivated', at: at(seconds) });
const removed = (seconds: number, eventId = 'evt-removed', change: 'added' | 'removed' = 'removed'): CaseSource => ({
  type: 'MembershipChanged', eventId, at: at(seconds), groupId: 'g-fin', groupName: 'finance-admins', change,
});
const ack = (seconds: number, targetId: string, outcome: 'applied' | 'failed' | 'skipped' = 'applied'): CaseSource => ({
  type: 'TargetAcknowledged', eventId: `evt-ack-${targetId}-${seconds}`, at: at(seconds), targetId, outcome, reportedAt: at(seconds),
});

function openLeaver(source: CaseSource = signal(), f: CaseFacts = facts(), t: CaseTerms = terms()): SlaCaseCommand {
  return { type: 'OpenCase', caseId: CASE, kind: 'leaver', userId: USER, userName: 'alice@example.com', terms: t, source, facts: f };
}
const observe = (source: CaseSource, f: CaseFacts): SlaCaseCommand => ({ type: 'ObserveCase', caseId: CASE, source, facts: f });
const breachAt = (seconds: number, heldGroups: string[] = ['finance-admins']): SlaCaseCommand => ({ type: 'BreachCase', caseId: CASE, at: at(seconds), heldGroups });

/** The events of a command run on a history: the "given" of the next step. */
function run(history: SlaCaseEvent[], command: SlaCaseCommand): SlaCaseEvent[] {
  const state = history.reduce(slaCaseDecider.evolve, slaCaseDecider.initialState);
  return [...history, ...slaCaseDecider.decide(command, state)];
}

const opened = run([], openLeaver());
const types = (events: SlaCaseEvent[]) => events.map((e) => (e.type === 'SlaMilestoneRecorded' ? `${e.type}:${e.data.milestone}` : e.type));

describe('SLA case decider: leavers', () => {
  it('a termination signal opens a case whose window runs from the signal', () =>
    given([]).when(openLeaver()).then([
      {
        type: 'SlaCaseOpened',
        data: {
          caseId: CASE, kind: 'leaver', userId: USER, userName: 'alice@example.com', terms: terms(),
          trigger: { type: 'TerminationSignal', eventId: 'evt-signal' }, openedAt: at(0), startedAt: at(0), deadline: at(900), at: at(0),
        },
      },
      {
        type: 'SlaMilestoneRecorded',
        data: { caseId: CASE, milestone: 'terminationSignalReceived', at: at(0), sourceEventId: 'evt-signal', detail: { signalId: 'hr-1', effectiveAt: at(0) } },
      },
    ]));

  it('a future effective date starts the window then, not when HR told us', () =>
    given([]).when(openLeaver(signal(0, 3600))).thenState((state) => {
      expect(state).toMatchObject({ startedAt: at(3600), deadline: at(4500) });
    }));

  it('an earlier IdP deactivation moves the window of a future-dated termination forward', () =>
    given(run([], openLeaver(signal(0, 3600)))).when(observe(deactivated(60), facts({ userState: 'inactive' }))).thenState((state) => {
      expect(state).toMatchObject({ startedAt: at(60), deadline: at(960), inactiveAt: at(60) });
    }));

  it('deactivation and group removal inside the window complete the case in time, with each milestone', () => {
    const afterDeactivation = run(opened, observe(deactivated(120), facts({ userState: 'inactive' })));
    expect(types(afterDeactivation.slice(opened.length))).toEqual(['SlaMilestoneRecorded:idpDeactivated']);
    given(afterDeactivation).when(observe(removed(300), facts({ userState: 'inactive', heldGroups: [] }))).then([
      { type: 'SlaMilestoneRecorded', data: { caseId: CASE, milestone: 'groupsRevoked', at: at(300), sourceEventId: 'evt-removed', detail: { scope: 'all' } } },
      { type: 'SlaCaseCompleted', data: { caseId: CASE, at: at(300), startedAt: at(0), deadline: at(900), elapsedSeconds: 300, withinWindow: true } },
    ]);
  });

  it('a user already inactive without groups completes the case the moment it opens', () =>
    given([]).when(openLeaver(signal(), facts({ userState: 'inactive', heldGroups: [] }))).thenState((state) => {
      expect(state).toMatchObject({ status: 'completed', completedAt: at(0), inactiveAt: at(0), groupsRevokedAt: at(0) });
    }));

  it('observing the same log event twice records nothing the second time', () => {
    const once = run(opened, observe(deactivated(120), facts({ userState: 'inactive' })));
    given(once).when(observe(deactivated(120), facts({ userState: 'inactive' }))).then([]);
  });

  it('opening the same case again (a replay, another replica) records nothing new', () => given(opened).when(openLeaver()).then([]));

  it('waits for every registered downstream target; a failed ack does not count', () => {
    const withTargets = run([], openLeaver(signal(), facts(), terms({ downstreamTargets: ['hr-db', 'github'] })));
    const accessRemoved = run(withTargets, observe(deactivated(60), facts({ userState: 'inactive', heldGroups: [] })));
    expect(types(accessRemoved)).not.toContain('SlaCaseCompleted');
    const oneApplied = run(accessRemoved, observe(ack(100, 'hr-db'), facts({ userState: 'inactive', heldGroups: [] })));
    const oneFailed = run(oneApplied, observe(ack(110, 'github', 'failed'), facts({ userState: 'inactive', heldGroups: [] })));
    expect(types(oneFailed)).not.toContain('SlaCaseCompleted');
    given(oneFailed).when(observe(ack(200, 'github', 'skipped'), facts({ userState: 'inactive', heldGroups: [] }))).thenState((state) => {
      expect(state).toMatchObject({ status: 'completed', completedAt: at(200), acknowledged: { 'hr-db': at(100), github: at(200) } });
    });
  });

  it('the deadline passing breaches an open case once, with what is still missing', () => {
    given(opened).when(breachAt(900)).then([
      {
        type: 'SlaBreached',
        data: {
          caseId: CASE, kind: 'leaver', userId: USER, userName: 'alice@example.com', severity: 'critical', policyVersion: 1,
          windowSeconds: 900, startedAt: at(0), deadline: at(900), elapsedSeconds: 900,
          outstanding: ['the user is still active in the target', 'still a member of: finance-admins'], at: at(900),
        },
      },
    ]);
    given(run(opened, breachAt(900))).when(breachAt(901)).then([]);
  });

  it('a timer that fires early breaches nothing', () => given(opened).when(breachAt(899)).then([]));

  it('a completed case never breaches', () => {
    const completed = run(opened, observe(deactivated(10), facts({ userState: 'inactive', heldGroups: [] })));
    given(completed).when(breachAt(900)).then([]);
  });

  it('completing after the breach resolves it, late', () => {
    const breached = run(opened, breachAt(900));
    given(breached).when(observe(deactivated(1000), facts({ userState: 'inactive', heldGroups: [] }))).then([
      { type: 'SlaMilestoneRecorded', data: { caseId: CASE, milestone: 'idpDeactivated', at: at(1000), sourceEventId: 'evt-deactivated', detail: {} } },
      { type: 'SlaMilestoneRecorded', data: { caseId: CASE, milestone: 'groupsRevoked', at: at(1000), sourceEventId: 'evt-deactivated', detail: { scope: 'all' } } },
      { type: 'SlaCaseCompleted', data: { caseId: CASE, at: at(1000), startedAt: at(0), deadline: at(900), elapsedSeconds: 1000, withinWindow: false } },
      { type: 'SlaResolved', data: { caseId: CASE, late: true, reason: 'completed', elapsedSeconds: 1000, at: at(1000) } },
    ]);
  });

  it('completing after the deadline before any timer noticed still records the breach', () =>
    given(opened).when(observe(deactivated(1000), facts({ userState: 'inactive', heldGroups: [] }))).thenState((state) => {
      expect(state).toMatchObject({ status: 'completed', breachedAt: at(1000), completedAt: at(1000) });
    }));

  it('an IdP reactivation after an HR termination keeps the case open', () => {
    const deactivatedOnce = run(opened, observe(deactivated(60), facts({ userState: 'inactive' })));
    given(deactivatedOnce).when(observe(reactivated(120), facts({ userState: 'active' }))).thenState((state) => {
      expect(state).toMatchObject({ status: 'open', inactiveAt: null });
    });
  });

  it('an IdP that undoes its own deactivation (no termination signal) cancels the case', () => {
    const byIdp = run([], openLeaver(deactivated(0), facts({ userState: 'inactive' })));
    given(byIdp).when(observe(reactivated(30), facts({ userState: 'active' }))).thenState((state) => {
      expect(state).toMatchObject({ status: 'cancelled' });
    });
  });

  it('groups granted again after revocation are recorded, and the case waits for them', () => {
    const revoked = run(opened, observe(removed(60), facts({ heldGroups: [] })));
    const regranted = run(revoked, observe(removed(90, 'evt-added', 'added'), facts({ heldGroups: ['finance-admins'] })));
    expect(types(regranted.slice(revoked.length))).toEqual(['SlaMilestoneRecorded:groupsRegranted']);
    given(regranted).when(observe(deactivated(120), facts({ userState: 'inactive' }))).thenState((state) => {
      expect(state).toMatchObject({ status: 'open', groupsRevokedAt: null });
    });
  });

  it('observing a case that does not exist is refused', () =>
    given([]).when(observe(deactivated(1), facts())).thenThrows(SlaCaseNotFound));
});

describe('SLA case decider: joiners and movers', () => {
  const JOINER = caseIdFor('joiner', 'evt-provisioned');
  const provisioned: CaseSource = { type: 'UserProvisioned', eventId: 'evt-provisioned', at: at(0) };
  const openJoiner = (f: CaseFacts, t = terms({ expectedGroups: ['staff'] })): SlaCaseCommand => ({
    type: 'OpenCase', caseId: JOINER, kind: 'joiner', userId: USER, userName: 'alice@example.com', terms: t, source: provisioned, facts: f,
  });

  it('a joiner is done when active with the expected groups', () => {
    const waiting = run([], openJoiner(facts({ userState: 'active', heldGroups: [], missingGroups: ['staff'] })));
    expect(types(waiting)).toEqual(['SlaCaseOpened', 'SlaMilestoneRecorded:userActive']);
    given(waiting)
      .when({
        type: 'ObserveCase', caseId: JOINER, facts: facts({ missingGroups: [] }),
        source: { type: 'MembershipChanged', eventId: 'evt-add', at: at(40), groupId: 'g-staff', groupName: 'staff', change: 'added' },
      })
      .then([
        { type: 'SlaMilestoneRecorded', data: { caseId: JOINER, milestone: 'expectedGroupsGranted', at: at(40), sourceEventId: 'evt-add', detail: { groups: ['staff'] } } },
        { type: 'SlaCaseCompleted', data: { caseId: JOINER, at: at(40), startedAt: at(0), deadline: at(900), elapsedSeconds: 40, withinWindow: true } },
      ]);
  });

  it('a joiner without expected groups provisioned active is done at once', () =>
    given([]).when(openJoiner(facts({ missingGroups: [] }), terms())).thenState((state) => expect(state.status).toBe('completed')));

  it('a joiner deleted before it was done is cancelled', () => {
    const waiting = run([], openJoiner(facts({ userState: 'inactive', missingGroups: ['staff'] })));
    given(waiting)
      .when({ type: 'ObserveCase', caseId: JOINER, source: { type: 'UserDeleted', eventId: 'evt-del', at: at(5) }, facts: facts({ userState: 'deleted' }) })
      .thenState((state) => expect(state.status).toBe('cancelled'));
  });

  const MOVER = caseIdFor('mover', 'evt-title');
  const changed: CaseSource = { type: 'UserAttributesChanged', eventId: 'evt-title', at: at(0), keys: ['title'] };
  const openMover = (t: CaseTerms): SlaCaseCommand => ({
    type: 'OpenCase', caseId: MOVER, kind: 'mover', userId: USER, userName: 'alice@example.com', terms: t, source: changed, facts: facts(),
  });

  it('a mover with no group rules has nothing to wait for', () =>
    given([]).when(openMover(terms())).thenState((state) => expect(state).toMatchObject({ status: 'completed', completedAt: at(0) })));

  it('a mover is done at the first membership change in a rule group', () =>
    given(run([], openMover(terms({ groupRules: ['*'] }))))
      .when({
        type: 'ObserveCase', caseId: MOVER, facts: facts({ ruleGroupChanged: true }),
        source: { type: 'MembershipChanged', eventId: 'evt-move', at: at(70), groupId: 'g-legal', groupName: 'legal', change: 'added' },
      })
      .thenState((state) => expect(state).toMatchObject({ status: 'completed', followedAt: at(70) })));
});

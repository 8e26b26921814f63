import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import {
  decideLifecycleSignal,
  decideSlaPolicy,
  evolveLifecycleSignal,
  evolveSlaPolicy,
  initialLifecycleSignal,
  initialSlaPolicy,
  maskSlaPolicy,
  slaStreams,
  type LifecycleSignal,
  type LifecycleSignalEvent,
  type SlaPolicy,
  type SlaPolicyEvent,
  type SlaPolicySet,
  type SlaPolicyState,
} from '@ledger/domain';
import type { EventStore } from '@ledger/eventstore';
import { ScimReadModel, type UserRow } from '@ledger/projections';
import { RouteSecretStore, SlaRuntime, keepInlineRoutingKeys } from '@ledger/sla';
import { randomUUID } from 'node:crypto';
import { EVENT_STORE } from '../infrastructure/tokens';
import { EventSourcedRepository } from '../shared/event-sourced-repository';
import type { RequestContext } from '../shared/request-context';
import { TenancyService } from '../tenancy/tenancy.service';

const policyFolding = { evolve: evolveSlaPolicy, initialState: initialSlaPolicy };
const signalFolding = { evolve: evolveLifecycleSignal, initialState: initialLifecycleSignal };

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const SIGNAL_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** How long a write waits for the case projection before answering without the case. */
const CASE_WAIT_MS = 5000;

export interface PolicyView {
  tenant: string;
  version: number;
  setAt: string;
  policy: SlaPolicy;
}

export interface TerminationRequest {
  type: 'termination';
  userId?: string;
  userName?: string;
  externalId?: string;
  effectiveAt?: string;
  signalId?: string;
  source?: string;
}

/** SLA policies (one stream per tenant, one event per version) and lifecycle signals from HR. */
@Injectable()
export class SlaService {
  constructor(
    private readonly repository: EventSourcedRepository,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly readModel: ScimReadModel,
    private readonly tenancy: TenancyService,
    private readonly runtime: SlaRuntime,
    private readonly secrets: RouteSecretStore,
  ) {}

  async setPolicy(context: RequestContext, tenant: string, document: unknown): Promise<PolicyView & { changed: boolean; warnings: string[] }> {
    this.tenancy.requireTenant(tenant);
    // DESIGN's shape takes the PagerDuty key inline; the event gets a reference to it instead.
    const policy = keepInlineRoutingKeys(document, tenant, this.secrets);
    const outcome = await this.repository.execute<SlaPolicyState, SlaPolicyEvent>(slaStreams.policy(tenant), policyFolding, context, ({ state }) =>
      decideSlaPolicy({ type: 'SetSlaPolicy', tenant, policy, at: context.at.toISOString() }, state),
    );
    return { ...view(tenant, outcome.state), changed: outcome.events.length > 0, warnings: unsetRoutingKeys(outcome.state.policy) };
  }

  async policy(tenant: string, version?: number): Promise<PolicyView> {
    this.tenancy.requireTenant(tenant);
    if (version === undefined) {
      const { state } = await this.repository.load<SlaPolicyState, SlaPolicyEvent>(slaStreams.policy(tenant), policyFolding);
      if (state.policy === null) throw new NotFoundException(`tenant ${tenant} has no SLA policy; set one with PUT /admin/tenants/${tenant}/sla-policy`);
      return view(tenant, state);
    }
    const events = await this.store.readStream(slaStreams.policy(tenant));
    const match = events.find((e) => e.type === 'SlaPolicySet' && (e.data as SlaPolicySet['data']).version === version);
    if (!match) throw new NotFoundException(`tenant ${tenant} has no SLA policy version ${version}`);
    const d = match.data as SlaPolicySet['data'];
    return view(tenant, { version: d.version, policy: d.policy, setAt: d.at });
  }

  async recordTermination(context: RequestContext, tenant: string, body: unknown) {
    const request = parseSignal(body);
    const user = this.resolveUser(tenant, request);
    const signalId = request.signalId ?? randomUUID();
    const outcome = await this.repository.execute<LifecycleSignal, LifecycleSignalEvent>(slaStreams.signal(tenant, signalId), signalFolding, context, ({ state }) =>
      decideLifecycleSignal({
        type: 'RecordTermination',
        signalId,
        userId: user.userId,
        userName: user.userName,
        effectiveAt: request.effectiveAt ?? context.at.toISOString(),
        source: request.source ?? null,
        at: context.at.toISOString(),
      }, state),
    );
    const signal = outcome.state.status === 'recorded' ? outcome.state.signal : null;
    const caughtUp = await this.runtime.projection.waitFor(outcome.position > 0n ? outcome.position : await this.store.headPosition(), CASE_WAIT_MS)
      .then(() => true, () => false);
    const receivedAt = signal?.receivedAt ?? context.at.toISOString();
    const latest = this.runtime.sla.latestCaseOf(tenant, 'leaver', user.userId);
    // The case this signal opened or joined: still open, or closed by it (an old closed case is not).
    const slaCase = latest && (latest.status === 'open' || Date.parse(latest.completedAt!) >= Date.parse(receivedAt)) ? latest : null;
    return {
      signalId,
      type: 'termination' as const,
      user: { id: user.userId, userName: user.userName },
      effectiveAt: signal?.effectiveAt ?? null,
      receivedAt,
      recorded: outcome.events.length > 0,
      case: slaCase
        ? { caseId: slaCase.caseId, status: slaCase.status === 'open' && slaCase.breached ? 'breached' : slaCase.status, startedAt: slaCase.startedAt, deadline: slaCase.deadline }
        : null,
      // The signal is recorded either way; without this an HR system would read `case: null` as "no
      // case will open" when the case projection was only behind. The case shows up in the cases list.
      casePending: !caughtUp && slaCase === null,
    };
  }

  private resolveUser(tenant: string, request: TerminationRequest): UserRow {
    this.tenancy.requireTenant(tenant);
    const candidates: Array<[string, UserRow | null]> = [];
    if (request.userId !== undefined) candidates.push([`userId "${request.userId}"`, this.readModel.user(tenant, request.userId, true)]);
    if (request.userName !== undefined) candidates.push([`userName "${request.userName}"`, this.readModel.users(tenant, { attribute: 'userName', value: request.userName })[0] ?? null]);
    if (request.externalId !== undefined) candidates.push([`externalId "${request.externalId}"`, this.readModel.users(tenant, { attribute: 'externalId', value: request.externalId })[0] ?? null]);
    const missing = candidates.find(([, user]) => user === null);
    if (missing) throw new NotFoundException(`no user with ${missing[0]} in tenant ${tenant}`);
    const ids = new Set(candidates.map(([, user]) => user!.userId));
    if (ids.size > 1) throw new BadRequestException(`${candidates.map(([name]) => name).join(' and ')} name different users`);
    return candidates[0]![1]!;
  }
}

function view(tenant: string, state: SlaPolicyState): PolicyView {
  return { tenant, version: state.version, setAt: state.setAt!, policy: maskSlaPolicy(state.policy!) };
}

/** The signal body, checked field by field so an HR integration learns exactly what to fix. */
export function parseSignal(body: unknown): TerminationRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequestException('the body must be a JSON object');
  const b = body as Record<string, unknown>;
  const problems: string[] = [];
  const allowed = ['type', 'userId', 'userName', 'externalId', 'effectiveAt', 'signalId', 'source'];
  for (const key of Object.keys(b)) if (!allowed.includes(key)) problems.push(`unknown field "${key}"`);
  if (b['type'] !== 'termination') problems.push('type must be "termination" (the only lifecycle signal accepted so far)');
  for (const key of ['userId', 'userName', 'externalId', 'source']) {
    if (b[key] !== undefined && (typeof b[key] !== 'string' || (b[key] as string).length === 0 || (b[key] as string).length > 256)) {
      problems.push(`${key} must be a non-empty string of at most 256 characters`);
    }
  }
  if (b['userId'] === undefined && b['userName'] === undefined && b['externalId'] === undefined) problems.push('one of userId, userName or externalId is required');
  if (b['effectiveAt'] !== undefined && (typeof b['effectiveAt'] !== 'string' || !ISO_INSTANT.test(b['effectiveAt']) || Number.isNaN(Date.parse(b['effectiveAt'])))) {
    problems.push('effectiveAt must be an ISO-8601 time with a zone, e.g. 2026-03-03T17:00:00Z');
  }
  if (b['signalId'] !== undefined && (typeof b['signalId'] !== 'string' || !SIGNAL_ID.test(b['signalId']))) {
    problems.push('signalId must be 1-128 letters, digits, ".", "_" or "-"');
  }
  if (problems.length > 0) throw new BadRequestException(problems.join('; '));
  return b as unknown as TerminationRequest;
}

/** A PagerDuty route whose key variable this process does not have pages nobody from here: say so when the policy is set. */
function unsetRoutingKeys(policy: SlaPolicy | null): string[] {
  return (policy?.routes ?? []).flatMap((route, index) =>
    route.type === 'pagerduty' && route.routingKeyEnv && !process.env[route.routingKeyEnv]
      ? [`routes[${index}].routingKeyEnv: ${route.routingKeyEnv} is not set in this service's environment; pages on this route will fail until it is (on the timers replica, if they run elsewhere)`]
      : [],
  );
}

import { InvalidCommand } from '../shared/domain-error';

/** PagerDuty's severities; every route maps onto these. */
export const SLA_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type SlaSeverity = (typeof SLA_SEVERITIES)[number];

export const LIFECYCLE_KINDS = ['joiner', 'mover', 'leaver'] as const;
export type LifecycleKind = (typeof LIFECYCLE_KINDS)[number];

export type GroupScope = 'all' | 'privileged';

/** What every lifecycle rule has. `scope` and `privilegedGroups` only matter for leavers. */
export interface LifecycleRule {
  windowSeconds: number;
  severity: SlaSeverity;
  scope: GroupScope;
  /** Group ids or displayNames (case-insensitive), resolved when a case is evaluated. */
  privilegedGroups: string[];
}

export interface JoinerRule extends LifecycleRule {
  /** Groups a joiner must hold before the case is done; none: done once active. */
  expectedGroups: string[];
}

export interface MoverRule extends LifecycleRule {
  /**
   * Groups whose memberships follow department, title and manager. A mover case is done at the
   * user's first membership change in one of them ("*": any group) after the attribute change;
   * with no rules there is nothing to wait for and the case closes when it opens.
   */
  groupRules: string[];
}

export type AlertRoute =
  /**
   * The key comes from an environment variable (routingKeyEnv) or from the service's secret store
   * (routingKeyRef: the API takes an inline routingKey and keeps it there). A policy is an event,
   * and events are exported and published, so the key itself is never in one; routingKey is only
   * read from policies recorded before that rule.
   */
  | { type: 'pagerduty'; name?: string; routingKey?: string; routingKeyEnv?: string; routingKeyRef?: string; url?: string }
  | { type: 'alertmanager'; name?: string; url: string }
  | { type: 'webhook'; name?: string; url: string }
  | { type: 'kafka'; name?: string; topic?: string }
  | { type: 'log'; name?: string };

export type AlertRouteType = AlertRoute['type'];

export interface SlaPolicy {
  joiner?: JoinerRule;
  mover?: MoverRule;
  leaver?: LifecycleRule;
  /** Downstream systems that must acknowledge a leaver before its case is done. */
  downstreamTargets: string[];
  routes: AlertRoute[];
}

const LIMITS = { windowSeconds: 366 * 24 * 3600, listLength: 1000, textLength: 256, routes: 20, urlLength: 2048 } as const;
const ROUTE_KEYS: Record<AlertRouteType, readonly string[]> = {
  pagerduty: ['type', 'name', 'routingKey', 'routingKeyEnv', 'routingKeyRef', 'url'],
  alertmanager: ['type', 'name', 'url'],
  webhook: ['type', 'name', 'url'],
  kafka: ['type', 'name', 'topic'],
  log: ['type', 'name'],
};
const RULE_KEYS = ['windowSeconds', 'severity', 'scope', 'privilegedGroups'];
const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;
const SECRET_REF = /^rk_[A-Za-z0-9_-]{16,64}$/;
const ROUTE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const KAFKA_TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

/**
 * Validates an SLA policy document as an administrator sends it and returns it normalised
 * (defaults filled in). Every problem is reported at once, so a policy file is fixed in one go.
 */
export function parseSlaPolicy(input: unknown): SlaPolicy {
  const problems: string[] = [];
  if (!isObject(input)) throw new InvalidCommand('the SLA policy must be a JSON object');
  unknownKeys(input, ['joiner', 'mover', 'leaver', 'downstreamTargets', 'routes'], 'policy', problems);

  const policy: SlaPolicy = {
    downstreamTargets: stringList(input['downstreamTargets'], 'downstreamTargets', problems),
    routes: [],
  };
  const joiner = rule(input['joiner'], 'joiner', ['expectedGroups'], problems);
  if (joiner) policy.joiner = { ...joiner, expectedGroups: stringList((input['joiner'] as Record<string, unknown>)['expectedGroups'], 'joiner.expectedGroups', problems) };
  const mover = rule(input['mover'], 'mover', ['groupRules'], problems);
  if (mover) policy.mover = { ...mover, groupRules: stringList((input['mover'] as Record<string, unknown>)['groupRules'], 'mover.groupRules', problems) };
  const leaver = rule(input['leaver'], 'leaver', [], problems);
  if (leaver) policy.leaver = leaver;

  const routes = input['routes'];
  if (routes !== undefined && !Array.isArray(routes)) problems.push('routes must be an array');
  else if (Array.isArray(routes)) {
    if (routes.length > LIMITS.routes) problems.push(`routes may hold at most ${LIMITS.routes} entries`);
    routes.forEach((raw, index) => {
      const parsed = route(raw, `routes[${index}]`, problems);
      if (parsed) policy.routes.push(parsed);
    });
    const ids = policy.routes.map(routeId);
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
    if (duplicate) problems.push(`routes: two routes are named "${duplicate}"; give them distinct names`);
  }
  if (problems.length > 0) throw new InvalidCommand(`invalid SLA policy: ${problems.join('; ')}`);
  return policy;
}

/**
 * A route's stable name inside a policy version: recorded on delivery attempts instead of its
 * URL or key, which may carry secrets.
 */
export function routeId(route: AlertRoute, index?: number): string {
  if (route.name) return route.name;
  return index === undefined ? route.type : `${route.type}-${index + 1}`;
}

/** Route ids of a policy, in order: unnamed routes are numbered by position. */
export function routeIds(policy: SlaPolicy): string[] {
  return policy.routes.map((r, i) => routeId(r, i));
}

/** The policy as the API shows it: routing keys reduced to a hint. */
export function maskSlaPolicy(policy: SlaPolicy): SlaPolicy {
  return {
    ...policy,
    routes: policy.routes.map((r) =>
      r.type === 'pagerduty' && r.routingKey ? { ...r, routingKey: `…${r.routingKey.slice(-4)}` } : r,
    ),
  };
}

function rule(raw: unknown, path: string, extraKeys: string[], problems: string[]): LifecycleRule | null {
  if (raw === undefined || raw === null) return null;
  if (!isObject(raw)) {
    problems.push(`${path} must be an object`);
    return null;
  }
  unknownKeys(raw, [...RULE_KEYS, ...extraKeys], path, problems);
  const window = raw['windowSeconds'];
  if (typeof window !== 'number' || !Number.isInteger(window) || window < 1 || window > LIMITS.windowSeconds) {
    problems.push(`${path}.windowSeconds must be a whole number of seconds between 1 and ${LIMITS.windowSeconds}`);
  }
  const severity = raw['severity'] ?? 'critical';
  if (!(SLA_SEVERITIES as readonly unknown[]).includes(severity)) problems.push(`${path}.severity must be one of ${SLA_SEVERITIES.join(', ')}`);
  const scope = raw['scope'] ?? 'all';
  if (scope !== 'all' && scope !== 'privileged') problems.push(`${path}.scope must be "all" or "privileged"`);
  const privilegedGroups = stringList(raw['privilegedGroups'], `${path}.privilegedGroups`, problems);
  if (scope === 'privileged' && privilegedGroups.length === 0) {
    problems.push(`${path}.privilegedGroups must name at least one group when scope is "privileged"`);
  }
  return { windowSeconds: window as number, severity: severity as SlaSeverity, scope: scope as GroupScope, privilegedGroups };
}

function route(raw: unknown, path: string, problems: string[]): AlertRoute | null {
  if (!isObject(raw)) {
    problems.push(`${path} must be an object`);
    return null;
  }
  const type = raw['type'];
  if (typeof type !== 'string' || !(type in ROUTE_KEYS)) {
    problems.push(`${path}.type must be one of ${Object.keys(ROUTE_KEYS).join(', ')}`);
    return null;
  }
  const routeType = type as AlertRouteType;
  unknownKeys(raw, ROUTE_KEYS[routeType], path, problems);
  const name = raw['name'];
  if (name !== undefined && (typeof name !== 'string' || !ROUTE_NAME.test(name))) {
    problems.push(`${path}.name must be 1-64 letters, digits, ".", "_" or "-"`);
  }
  const named = typeof name === 'string' ? { name } : {};
  const url = raw['url'];
  if (url !== undefined && !validUrl(url)) problems.push(`${path}.url must be an absolute http(s) URL`);
  else if (typeof url === 'string' && hasCredentials(url)) {
    problems.push(`${path}.url must not carry a user name or password: the policy is kept in the event log, which is exported and published`);
  }
  switch (routeType) {
    case 'pagerduty': {
      const env = raw['routingKeyEnv'];
      const ref = raw['routingKeyRef'];
      if (raw['routingKey'] !== undefined) {
        // The API keeps an inline key in its secret store before the policy gets here; what is
        // left is a key given together with routingKeyEnv, or one that is not a string.
        problems.push(`${path}.routingKey must be a non-empty string, and not given together with routingKeyEnv: give one of them`);
      } else if (env === undefined && ref === undefined) {
        problems.push(`${path} needs routingKey (the Events API v2 integration key, kept outside the event log) or routingKeyEnv (the environment variable that holds it)`);
      } else if (env !== undefined && ref !== undefined) problems.push(`${path} takes routingKeyEnv or routingKeyRef, not both`);
      if (env !== undefined && (typeof env !== 'string' || !ENV_NAME.test(env))) problems.push(`${path}.routingKeyEnv must name an environment variable (A-Z, 0-9, _)`);
      if (ref !== undefined && (typeof ref !== 'string' || !SECRET_REF.test(ref))) problems.push(`${path}.routingKeyRef must be a reference the service gave out (rk_...)`);
      return {
        type: 'pagerduty', ...named,
        ...(typeof env === 'string' ? { routingKeyEnv: env } : {}),
        ...(typeof ref === 'string' ? { routingKeyRef: ref } : {}),
        ...(typeof url === 'string' ? { url } : {}),
      };
    }
    case 'alertmanager':
    case 'webhook':
      if (url === undefined) problems.push(`${path}.url is required for a ${routeType} route`);
      return { type: routeType, ...named, url: url as string };
    case 'kafka': {
      const topic = raw['topic'];
      if (topic !== undefined && (typeof topic !== 'string' || !KAFKA_TOPIC.test(topic))) problems.push(`${path}.topic must be a Kafka topic name`);
      return { type: 'kafka', ...named, ...(typeof topic === 'string' ? { topic } : {}) };
    }
    case 'log':
      return { type: 'log', ...named };
    default: {
      const exhaustive: never = routeType;
      throw new Error(`unknown route type ${String(exhaustive)}`);
    }
  }
}

function stringList(raw: unknown, path: string, problems: string[]): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string' || v.trim() === '' || v.length > LIMITS.textLength)) {
    problems.push(`${path} must be an array of non-empty strings (at most ${LIMITS.textLength} characters each)`);
    return [];
  }
  if (raw.length > LIMITS.listLength) problems.push(`${path} may hold at most ${LIMITS.listLength} entries`);
  return [...new Set(raw as string[])];
}

function unknownKeys(value: Record<string, unknown>, allowed: readonly string[], path: string, problems: string[]): void {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) problems.push(`${path} has an unknown field "${key}"`);
}

function hasCredentials(value: string): boolean {
  const url = new URL(value);
  return url.username !== '' || url.password !== '';
}

function validUrl(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > LIMITS.urlLength) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

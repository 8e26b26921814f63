import { Alert, Badge, Button, Group, NativeSelect, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent, type MouseEvent } from 'react';
import { ApiError, type Api } from '../api';
import { CorrelationLink, ErrorNotice, InstantField, Loading, Provenance, RequestLink, Section, ValueText, short, useLoad, type EventSource } from '../components/common';
import { MembershipAxis } from '../components/MembershipAxis';
import {
  casesOf,
  isNotFound,
  membershipSpans,
  optional,
  sourceOfEvent,
  type ChangeRow,
  type EventView,
  type HistoryPage,
  type RequestRow,
  type SlaCaseDetail,
  type UserState,
} from '../data';
import { href, navigate } from '../router';
import { formatTime, justBefore } from '../time';

type Identifier = 'userName' | 'externalId' | 'id';

export function UserPage({ api, userId, query }: { api: Api; userId: string | null; query: URLSearchParams }) {
  return (
    <Stack gap="md">
      <h1 className="page-title">User</h1>
      <UserSearch api={api} />
      {userId ? <UserView key={userId} api={api} userId={userId} at={query.get('at')} /> : (
        <Text size="sm">Look a user up by userName, externalId or id to see their timeline, their state at any instant, and their group memberships.</Text>
      )}
    </Stack>
  );
}

function UserSearch({ api }: { api: Api }) {
  const [kind, setKind] = useState<Identifier>('userName');
  const [value, setValue] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const text = value.trim();
    if (!text) return;
    setError(null);
    setNote(null);
    if (kind === 'id') {
      navigate(`/users/${encodeURIComponent(text)}`);
      return;
    }
    setBusy(true);
    try {
      const path = kind === 'userName' ? 'by-username' : 'by-external-id';
      const answer = await api.get<{ id: string }>(api.t(`/audit/users/${path}/${encodeURIComponent(text)}/access`));
      navigate(`/users/${encodeURIComponent(answer.id)}`);
    } catch (caught) {
      // Nobody holds the value now, but someone did: show the last holder just before they let it go.
      const holders = caught instanceof ApiError ? ((caught.body as { holders?: Array<{ userId: string; to: string | null }> } | null)?.holders ?? []) : [];
      const last = holders[holders.length - 1];
      if (last) {
        setNote(`No user holds ${kind} "${text}" now; showing user ${last.userId}, who held it until ${formatTime(last.to)}.`);
        navigate(href(`/users/${encodeURIComponent(last.userId)}`, { at: last.to ? justBefore(last.to) : null }));
      } else {
        setError(caught);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} role="search" aria-label="Find a user">
      <Group align="flex-end" gap="sm">
        <NativeSelect
          label="Find by"
          data={[
            { value: 'userName', label: 'userName' },
            { value: 'externalId', label: 'externalId' },
            { value: 'id', label: 'id' },
          ]}
          value={kind}
          onChange={(e) => setKind(e.currentTarget.value as Identifier)}
        />
        <TextInput label="Value" value={value} onChange={(e) => setValue(e.currentTarget.value)} w={320} placeholder="alice@example.com" />
        <Button type="submit" loading={busy}>Look up</Button>
      </Group>
      {note && <Alert mt="sm" color="blue" role="status">{note}</Alert>}
      {error ? <Stack mt="sm"><ErrorNotice error={error} what="Look-up" /></Stack> : null}
    </form>
  );
}

interface TimelineItem {
  at: string;
  kind: 'event' | 'request' | 'membership' | 'sla';
  title: string;
  detail?: string;
  source: { idp: string | null; tokenId: string | null; correlationId: string | null; requestId: string | null; actor?: string };
  status?: number;
}

function UserView({ api, userId, at }: { api: Api; userId: string; at: string | null }) {
  const admin = api.session.role === 'admin';
  const setAt = (iso: string | null) => navigate(href(`/users/${encodeURIComponent(userId)}`, { at: iso }));

  const state = useLoad(`${userId}|${at ?? 'now'}`, (signal) =>
    api.get<UserState>(api.t(`/audit/users/${encodeURIComponent(userId)}/state`), { at }, signal),
  );

  const history = useLoad(userId, async (signal) => {
    const events: EventView[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: HistoryPage = await api.get<HistoryPage>(api.t(`/audit/users/${encodeURIComponent(userId)}/history`), { count: 500, cursor }, signal);
      events.push(...page.Resources);
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 4);
    return { events, complete: cursor === null };
  });

  const events = history.data?.events ?? [];
  const created = [...events].reverse().find((e) => e.type === 'UserProvisioned');
  const deleted = events.find((e) => e.type === 'UserDeleted');

  const related = useLoad(history.data ? userId : null, async (signal) => {
    const since = created?.recordedAt ?? events[events.length - 1]?.recordedAt ?? '1970-01-01T00:00:00.000Z';
    const memberships = await optional(membershipSpans(api, userId, since, deleted?.recordedAt ?? null, signal));
    // Groups created before the user joined have their names outside the window read above.
    for (const span of memberships.value?.spans ?? []) {
      if (span.displayName !== span.groupId) continue;
      const group = await optional(api.get<{ displayName: string }>(api.t(`/audit/groups/${encodeURIComponent(span.groupId)}/members`), { at: span.from, count: 1 }, signal));
      if (group.value) span.displayName = group.value.displayName;
    }
    const requests = admin ? await optional(requestsOfUser(api, userId, since, events, signal)) : { value: null, error: null };
    const sla = admin ? await optional(slaCasesOfUser(api, userId, signal)) : { value: null, error: null };
    return { memberships, requests, sla };
  });

  const timeline: TimelineItem[] = [];
  for (const event of events) timeline.push(eventItem(event));
  for (const change of related.data?.memberships.value?.membershipChanges ?? []) timeline.push(membershipItem(change));
  for (const request of related.data?.requests.value ?? []) timeline.push(requestItem(request));
  for (const sla of related.data?.sla.value ?? []) timeline.push(...slaItems(sla));
  timeline.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));

  const now = new Date().toISOString();
  const resource = state.data?.resource;
  const title = (resource?.['userName'] as string | undefined) ?? (created?.data['userName'] as string | undefined) ?? userId;

  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2} size="h3" id="user-heading">{title}</Title>
          <Text size="xs" c="dimmed" className="mono">id {userId}</Text>
        </div>
        <Group align="flex-end" gap="sm">
          <InstantField id="user-at" label="Show the user as at" value={at ?? state.data?.at ?? null} onChange={(iso) => iso && setAt(iso)} />
          <Button variant="default" onClick={() => setAt(null)} disabled={!at}>Now</Button>
        </Group>
      </Group>

      <Section title={at ? `State at ${formatTime(at)}` : 'Current state'}>
        {state.loading && <Loading label="Folding the user's stream…" />}
        {state.error ? <StateMissing error={state.error} onPick={setAt} /> : null}
        {state.data && <AttributeTable state={state.data} admin={admin} />}
      </Section>

      <Section title="Group memberships">
        {related.loading && <Loading label="Reading membership changes…" />}
        {related.data?.memberships.error ? <ErrorNotice error={related.data.memberships.error} what="Memberships" /> : null}
        {related.data?.memberships.value && (
          <>
            {!related.data.memberships.value.complete && (
              <Alert color="yellow" mb="xs">Only the first 5,000 membership changes since the user was created were read; older intervals may be missing.</Alert>
            )}
            <MembershipAxis
              spans={related.data.memberships.value.spans}
              start={created?.recordedAt ?? related.data.memberships.value.spans[0]?.from ?? now}
              end={deleted?.recordedAt ?? now}
              at={at}
              onPick={setAt}
              admin={admin}
            />
          </>
        )}
      </Section>

      <Section title="Timeline">
        {history.loading && <Loading label="Reading the user's history…" />}
        {history.error ? <ErrorNotice error={history.error} what="History" /> : null}
        {!admin && <Text size="sm" c="dimmed" mb="xs">Requests and SLA milestones need the admin token; this timeline shows the user's events and memberships.</Text>}
        {related.data?.requests.error ? <ErrorNotice error={related.data.requests.error} what="Request ledger" /> : null}
        {related.data?.sla.error ? <ErrorNotice error={related.data.sla.error} what="SLA cases" feature="SLA" /> : null}
        {timeline.length > 0 && <TimelineTable items={timeline} admin={admin} onPick={setAt} />}
      </Section>
    </Stack>
  );
}

function StateMissing({ error, onPick }: { error: unknown; onPick: (iso: string) => void }) {
  if (!isNotFound(error)) return <ErrorNotice error={error} what="State" />;
  const body = (error.body ?? {}) as { error?: string; createdAt?: string; deletedAt?: string };
  return (
    <Alert color="yellow" role="status" title={body.error === 'DELETED' ? 'Deleted at this instant' : body.error === 'NOT_YET_CREATED' ? 'Not yet created at this instant' : 'Not found'}>
      <Text size="sm">{error.message}</Text>
      {body.createdAt && <Button mt="xs" size="xs" variant="light" onClick={() => onPick(body.createdAt!)}>Show at creation</Button>}
      {body.deletedAt && <Button mt="xs" size="xs" variant="light" onClick={() => onPick(justBefore(body.deletedAt!))}>Show just before deletion</Button>}
    </Alert>
  );
}

function AttributeTable({ state, admin }: { state: UserState; admin: boolean }) {
  const rows: Array<{ key: string; value: unknown; source: (EventSource & { removed?: true }) | undefined; removed?: boolean }> = [];
  for (const [key, value] of Object.entries(state.resource)) {
    if (key === 'schemas' || key === 'meta' || key === 'id' || key === 'groups') continue;
    if (key.startsWith('urn:') && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, innerValue] of Object.entries(value as Record<string, unknown>)) {
        const full = `${key}:${inner}`;
        rows.push({ key: full, value: innerValue, source: state.provenance[full] ?? state.provenance[key] });
      }
      continue;
    }
    rows.push({ key, value, source: state.provenance[key] });
  }
  for (const [key, source] of Object.entries(state.provenance)) {
    if (source.removed && !rows.some((r) => r.key === key)) rows.push({ key, value: null, source, removed: true });
  }
  return (
    <div className="table-scroll">
      <Table striped withTableBorder aria-label="Attributes with provenance" data-testid="attributes">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col" w={220}>Attribute</Table.Th>
            <Table.Th scope="col">Value</Table.Th>
            <Table.Th scope="col">Set by</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={row.key} data-attribute={row.key}>
              <Table.Th scope="row" className="mono" fw={500}>{attributeLabel(row.key)}</Table.Th>
              <Table.Td>{row.removed ? <Badge color="gray" variant="outline">removed</Badge> : <ValueText value={row.value} />}</Table.Td>
              <Table.Td><Provenance source={row.source} admin={admin} /></Table.Td>
            </Table.Tr>
          ))}
          <Table.Tr>
            <Table.Th scope="row" className="mono" fw={500}>groups</Table.Th>
            <Table.Td>
              {state.groups.length === 0 ? <Text size="sm" c="dimmed">none</Text> : state.groups.map((g) => (
                <Badge key={g.groupId} variant="light" mr={4} component="a" href={`/console/groups/${encodeURIComponent(g.groupId)}`} style={{ cursor: 'pointer' }}
                  onClick={(e: MouseEvent) => { e.preventDefault(); navigate(`/groups/${encodeURIComponent(g.groupId)}`); }}>
                  {g.displayName ?? g.groupId}
                </Badge>
              ))}
            </Table.Td>
            <Table.Td><Text size="xs" c="dimmed">see Group memberships</Text></Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
    </div>
  );
}

function attributeLabel(key: string): string {
  const enterprise = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:';
  return key.startsWith(enterprise) ? `enterprise:${key.slice(enterprise.length)}` : key;
}

function TimelineTable({ items, admin, onPick }: { items: TimelineItem[]; admin: boolean; onPick: (iso: string) => void }) {
  const colour = { event: 'indigo', request: 'gray', membership: 'teal', sla: 'orange' } as const;
  return (
    <div className="table-scroll">
      <Table striped withTableBorder aria-label="Timeline, newest first" data-testid="timeline">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col" w={190}>When (UTC)</Table.Th>
            <Table.Th scope="col">What</Table.Th>
            <Table.Th scope="col">Who</Table.Th>
            <Table.Th scope="col">Correlation</Table.Th>
            <Table.Th scope="col">Request</Table.Th>
            <Table.Th scope="col"><span className="visually-hidden">State</span></Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((item, i) => (
            <Table.Tr key={`${item.kind}-${item.at}-${i}`}>
              <Table.Td className="tabular"><time dateTime={item.at}>{formatTime(item.at)}</time></Table.Td>
              <Table.Td>
                <Badge color={colour[item.kind]} variant="light" size="sm" mr={6}>{item.kind}</Badge>
                {item.status !== undefined && <Badge color={item.status < 400 ? 'green' : 'red'} size="sm" mr={6}>{item.status}</Badge>}
                <Text span size="sm">{item.title}</Text>
                {item.detail && <Text size="xs" c="dimmed">{item.detail}</Text>}
              </Table.Td>
              <Table.Td>
                <Text size="xs">{item.source.idp ? `IdP ${item.source.idp}` : item.source.actor ?? '—'}</Text>
                {item.source.tokenId && <Text size="xs" c="dimmed" className="mono">token {short(item.source.tokenId)}</Text>}
              </Table.Td>
              <Table.Td>{item.source.correlationId ? <CorrelationLink id={item.source.correlationId} admin={admin} /> : '—'}</Table.Td>
              <Table.Td>{item.source.requestId ? <RequestLink id={item.source.requestId} admin={admin} /> : '—'}</Table.Td>
              <Table.Td>
                {item.kind === 'event' && (
                  <Button size="compact-xs" variant="subtle" onClick={() => onPick(justBefore(item.at))} aria-label={`Show the user just before: ${item.title} at ${formatTime(item.at)}`}>
                    before
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

function eventItem(event: EventView): TimelineItem {
  const d = event.data as Record<string, any>;
  const source = sourceOfEvent(event);
  let title: string = event.type;
  let detail: string | undefined;
  switch (event.type) {
    case 'UserProvisioned':
      title = `Provisioned as ${d['userName']}${d['active'] === false ? ' (inactive)' : ''}`;
      break;
    case 'UserRenamed':
      title = `userName ${d['from']} → ${d['to']}`;
      break;
    case 'UserExternalIdChanged':
      title = `externalId ${d['from'] ?? '(none)'} → ${d['to'] ?? '(none)'}`;
      break;
    case 'UserAttributesChanged': {
      const changed = Object.keys(d['changed'] ?? {});
      const removed = (d['removed'] ?? []) as string[];
      title = `Changed ${[...changed.map(attributeLabel), ...removed.map((r) => `${attributeLabel(r)} (removed)`)].join(', ') || 'nothing'}`;
      detail = changed.map((k) => `${attributeLabel(k)} = ${JSON.stringify(d['changed'][k])}`).join('; ').slice(0, 300);
      break;
    }
    case 'UserDeactivated':
      title = 'Deactivated (active = false)';
      break;
    case 'UserReactivated':
      title = 'Reactivated (active = true)';
      break;
    case 'UserDeleted':
      title = 'Deleted';
      break;
    case 'UserRecreateRefused':
      title = 'Re-create refused (the user exists; not silently re-enabled)';
      break;
    default:
      break;
  }
  return { at: event.recordedAt, kind: 'event', title, detail, source };
}

function membershipItem(change: ChangeRow): TimelineItem {
  const d = change.data as { displayName?: string; members?: unknown[] };
  const verb = change.type === 'GroupMembersRemoved' ? 'Removed from' : change.type === 'GroupDeleted' ? 'Group deleted:' : 'Added to';
  const others = (d.members?.length ?? 1) - 1;
  return {
    at: change.at,
    kind: 'membership',
    title: `${verb} group ${d.displayName ?? change.resourceId}`,
    detail: others > 0 ? `in one change with ${others} other member(s)` : undefined,
    source: { idp: change.idp, tokenId: change.tokenId, correlationId: change.correlationId, requestId: change.requestId, actor: change.actor },
  };
}

function requestItem(request: RequestRow): TimelineItem {
  return {
    at: request.at,
    kind: 'request',
    status: request.status,
    title: `${request.method} ${request.path}`,
    detail: [request.scimType && `scimType ${request.scimType}`, request.detail, request.authFailure && `auth: ${request.authFailure}`].filter(Boolean).join(' · ') || undefined,
    source: { idp: request.idp, tokenId: request.tokenId, correlationId: request.correlationId, requestId: request.requestId },
  };
}

function slaItems(sla: SlaCaseDetail): TimelineItem[] {
  const source = { idp: null, tokenId: null, correlationId: null, requestId: null, actor: 'SLA' };
  return sla.timeline
    .filter((t) => t.event !== 'AlertDeliveryAttempted' && t.event !== 'AlertDeliveryClaimed')
    .map((t) => ({
      at: t.at,
      kind: 'sla' as const,
      title: `${sla.kind} case: ${t.milestone ?? t.event.replace(/^Sla/, '')}`,
      detail: t.event === 'SlaCaseOpened' ? `window ${sla.windowSeconds} s, deadline ${formatTime(sla.deadline)}` : undefined,
      source,
    }));
}

/** The requests that produced the user's events, plus refused requests aimed at the user's id. */
async function requestsOfUser(api: Api, userId: string, since: string, events: EventView[], signal: AbortSignal): Promise<RequestRow[]> {
  const found = new Map<string, RequestRow>();
  const scan = await api.get<{ requests: RequestRow[] }>(api.t('/audit/requests'), { from: since, count: 1000 }, signal);
  for (const row of scan.requests) if (row.resourceId === userId || row.path.includes(userId)) found.set(row.requestId, row);
  const missing = [...new Set(events.map((e) => e.metadata.requestId).filter((id): id is string => Boolean(id) && !found.has(id!)))].slice(0, 50);
  await Promise.all(
    missing.map(async (requestId) => {
      const answer = await api.get<{ requests: RequestRow[] }>(api.t('/audit/requests'), { requestId, count: 1 }, signal);
      for (const row of answer.requests) found.set(row.requestId, row);
    }),
  );
  return [...found.values()];
}

async function slaCasesOfUser(api: Api, userId: string, signal: AbortSignal): Promise<SlaCaseDetail[]> {
  const list = casesOf(await api.get(api.t('/sla/cases'), { status: 'all', limit: 1000 }, signal)).filter((c) => c.user.id === userId).slice(0, 10);
  return Promise.all(list.map((c) => api.get<SlaCaseDetail>(api.t(`/sla/cases/${encodeURIComponent(c.caseId)}`), undefined, signal)));
}

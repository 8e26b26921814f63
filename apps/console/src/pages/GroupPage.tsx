import { Anchor, Badge, Button, Group, NativeSelect, Pagination, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import type { Api } from '../api';
import { ErrorNotice, InstantField, Loading, Provenance, Section, useLoad, type EventSource } from '../components/common';
import { isNotFound, sourceOfEvent, type ChangesPage, type EventView, type HistoryPage } from '../data';
import { href, navigate } from '../router';
import { formatTime, justBefore } from '../time';

const PAGE_SIZE = 50;

interface MembersAnswer {
  id: string;
  displayName: string;
  at: string;
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  members: Array<{ value: string; type: string; display?: string; since: string; addedBy: EventSource }>;
}

export function GroupPage({ api, groupId, query }: { api: Api; groupId: string | null; query: URLSearchParams }) {
  return (
    <Stack gap="md">
      <h1 className="page-title">Group</h1>
      <GroupSearch api={api} groupId={groupId} />
      {groupId ? (
        <GroupView key={groupId} api={api} groupId={groupId} at={query.get('at')} page={Number(query.get('page') ?? '1') || 1} />
      ) : (
        <Text size="sm">Pick a group to see its members at any instant and its changes over a period.</Text>
      )}
    </Stack>
  );
}

function GroupSearch({ api, groupId }: { api: Api; groupId: string | null }) {
  const [value, setValue] = useState(groupId ?? '');
  const known = useLoad('groups', async (signal) => {
    const page = await api.get<ChangesPage>(api.t('/audit/changes'), { type: 'GroupCreated,GroupRenamed,GroupDeleted', count: 1000 }, signal);
    const groups = new Map<string, { id: string; name: string; deleted: boolean }>();
    for (const row of page.Resources) {
      const d = row.data as { displayName?: string; to?: string };
      const current = groups.get(row.resourceId) ?? { id: row.resourceId, name: row.resourceId, deleted: false };
      if (row.type === 'GroupCreated') groups.set(row.resourceId, { ...current, name: d.displayName ?? current.name, deleted: false });
      if (row.type === 'GroupRenamed') groups.set(row.resourceId, { ...current, name: d.to ?? current.name });
      if (row.type === 'GroupDeleted') groups.set(row.resourceId, { ...current, deleted: true });
    }
    return [...groups.values()].sort((a, b) => a.name.localeCompare(b.name));
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value.trim()) navigate(`/groups/${encodeURIComponent(value.trim())}`);
  };
  return (
    <form onSubmit={submit} role="search" aria-label="Find a group">
      <Group align="flex-end" gap="sm">
        {known.data && known.data.length > 0 && (
          <NativeSelect
            label="Groups in this tenant"
            data={[{ value: '', label: 'Choose…' }, ...known.data.map((g) => ({ value: g.id, label: `${g.name}${g.deleted ? ' (deleted)' : ''}` }))]}
            value={known.data.some((g) => g.id === groupId) ? groupId ?? '' : ''}
            onChange={(e) => e.currentTarget.value && navigate(`/groups/${encodeURIComponent(e.currentTarget.value)}`)}
            w={260}
          />
        )}
        <TextInput label="Group id" value={value} onChange={(e) => setValue(e.currentTarget.value)} w={320} />
        <Button type="submit">Open</Button>
      </Group>
      {known.error ? <ErrorNotice error={known.error} what="Group list" /> : null}
    </form>
  );
}

function GroupView({ api, groupId, at, page }: { api: Api; groupId: string; at: string | null; page: number }) {
  const admin = api.session.role === 'admin';
  const go = (next: { at?: string | null; page?: number }) =>
    navigate(href(`/groups/${encodeURIComponent(groupId)}`, { at: next.at === undefined ? at : next.at, page: next.page && next.page > 1 ? String(next.page) : null }));

  const members = useLoad(`${groupId}|${at}|${page}`, async (signal) => {
    const answer = await api.get<MembersAnswer>(api.t(`/audit/groups/${encodeURIComponent(groupId)}/members`), { at, startIndex: (page - 1) * PAGE_SIZE + 1, count: PAGE_SIZE }, signal);
    // IdPs often send bare member ids: name the users as they were called at that instant.
    await Promise.all(
      answer.members
        .filter((m) => !m.display && m.type === 'User')
        .map(async (m) => {
          const user = await api.get<{ userName: string }>(api.t(`/audit/users/${encodeURIComponent(m.value)}/access`), { at: answer.at }, signal).catch(() => null);
          if (user) m.display = user.userName;
        }),
    );
    return answer;
  });
  const pages = members.data ? Math.max(1, Math.ceil(members.data.totalResults / PAGE_SIZE)) : 1;

  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2} size="h3">{members.data?.displayName ?? groupId}</Title>
          <Text size="xs" c="dimmed" className="mono">id {groupId}</Text>
        </div>
        <Group align="flex-end" gap="sm">
          <InstantField id="group-at" label="Members at" value={at ?? members.data?.at ?? null} onChange={(iso) => iso && go({ at: iso, page: 1 })} />
          <Button variant="default" onClick={() => go({ at: null, page: 1 })} disabled={!at}>Now</Button>
        </Group>
      </Group>

      <Section title={`Members ${at ? `at ${formatTime(at)}` : 'now'}${members.data ? ` (${members.data.totalResults})` : ''}`}>
        {members.loading && <Loading label="Reading members…" />}
        {members.error ? <MembersMissing error={members.error} onPick={(iso) => go({ at: iso, page: 1 })} /> : null}
        {members.data && (
          <>
            <div className="table-scroll">
              <Table striped withTableBorder aria-label="Members" data-testid="members">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Member</Table.Th>
                    <Table.Th scope="col">Type</Table.Th>
                    <Table.Th scope="col">Member since</Table.Th>
                    <Table.Th scope="col">Added by</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {members.data.members.map((m) => (
                    <Table.Tr key={m.value}>
                      <Table.Td>
                        {m.type === 'User' ? (
                          <Anchor href={`/console/users/${encodeURIComponent(m.value)}`} onClick={(e) => { e.preventDefault(); navigate(href(`/users/${encodeURIComponent(m.value)}`, { at })); }}>
                            {m.display ?? m.value}
                          </Anchor>
                        ) : (m.display ?? m.value)}
                        {m.display && <Text size="xs" c="dimmed" className="mono">{m.value}</Text>}
                      </Table.Td>
                      <Table.Td>{m.type}</Table.Td>
                      <Table.Td className="tabular">{formatTime(m.since)}</Table.Td>
                      <Table.Td><Provenance source={m.addedBy} admin={admin} /></Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </div>
            {members.data.totalResults === 0 && <Text size="sm" mt="xs">No members at this instant.</Text>}
            {pages > 1 && (
              <Group mt="sm" gap="sm">
                <Pagination total={pages} value={page} onChange={(p) => go({ page: p })} aria-label="Member pages" getItemProps={(p) => ({ 'aria-label': `Page ${p}` })} />
                <Text size="sm">{`${members.data.startIndex}–${members.data.startIndex + members.data.itemsPerPage - 1} of ${members.data.totalResults}`}</Text>
              </Group>
            )}
          </>
        )}
      </Section>

      <GroupChanges api={api} groupId={groupId} admin={admin} onPick={(iso) => go({ at: iso, page: 1 })} />
    </Stack>
  );
}

function MembersMissing({ error, onPick }: { error: unknown; onPick: (iso: string) => void }) {
  if (!isNotFound(error)) return <ErrorNotice error={error} what="Members" />;
  const body = (error.body ?? {}) as { createdAt?: string; deletedAt?: string };
  return (
    <Stack gap="xs">
      <ErrorNotice error={error} what="Members" />
      <Group>
        {body.createdAt && <Button size="xs" variant="light" onClick={() => onPick(body.createdAt!)}>Show at creation</Button>}
        {body.deletedAt && <Button size="xs" variant="light" onClick={() => onPick(justBefore(body.deletedAt!))}>Show just before deletion</Button>}
      </Group>
    </Stack>
  );
}

function GroupChanges({ api, groupId, admin, onPick }: { api: Api; groupId: string; admin: boolean; onPick: (iso: string) => void }) {
  const [from, setFrom] = useState<string | null>(() => new Date(Date.now() - 30 * 86_400_000).toISOString());
  const [to, setTo] = useState<string | null>(null);
  const [events, setEvents] = useState<EventView[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const load = async (after: string | null) => {
    setBusy(true);
    setError(null);
    try {
      const page = await api.get<HistoryPage>(api.t(`/audit/groups/${encodeURIComponent(groupId)}/history`), { from, to, count: PAGE_SIZE, cursor: after });
      setEvents((current) => (after ? [...current, ...page.Resources] : page.Resources));
      setCursor(page.nextCursor);
    } catch (caught) {
      setError(caught);
      if (!after) setEvents([]);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void load(null);
    // Reload only when the group changes; the period applies on "Show changes".
  }, [groupId]);

  return (
    <Section title="Changes in a period">
      <form onSubmit={(e) => { e.preventDefault(); void load(null); }} aria-label="Period of group changes">
        <Group align="flex-end" gap="sm" mb="sm">
          <InstantField label="From" value={from} onChange={setFrom} />
          <InstantField label="To" value={to} onChange={setTo} description="empty: now" />
          <Button type="submit" loading={busy}>Show changes</Button>
        </Group>
      </form>
      {error ? <ErrorNotice error={error} what="Group history" /> : null}
      <div className="table-scroll">
        <Table striped withTableBorder aria-label="Group changes, newest first" data-testid="group-changes">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col" w={190}>When (UTC)</Table.Th>
              <Table.Th scope="col">Change</Table.Th>
              <Table.Th scope="col">By</Table.Th>
              <Table.Th scope="col"><span className="visually-hidden">Members</span></Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {events.map((event) => (
              <Table.Tr key={event.id}>
                <Table.Td className="tabular">{formatTime(event.recordedAt)}</Table.Td>
                <Table.Td>
                  <Badge variant="light" size="sm" mr={6}>{event.type}</Badge>
                  <Text span size="sm">{describe(event)}</Text>
                </Table.Td>
                <Table.Td><Provenance source={sourceOfEvent(event)} admin={admin} /></Table.Td>
                <Table.Td>
                  <Button size="compact-xs" variant="subtle" onClick={() => onPick(justBefore(event.recordedAt))} aria-label={`Members just before ${event.type} at ${formatTime(event.recordedAt)}`}>
                    before
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </div>
      {!busy && events.length === 0 && !error && <Text size="sm" mt="xs">No changes in this period.</Text>}
      {cursor && <Button mt="sm" variant="default" onClick={() => void load(cursor)} loading={busy}>Load older changes</Button>}
    </Section>
  );
}

function describe(event: EventView): string {
  const d = event.data as { displayName?: string; from?: string; to?: string; members?: Array<{ value: string; display?: string } | string> };
  const names = (d.members ?? []).map((m) => (typeof m === 'string' ? m : m.display ?? m.value));
  const list = (n: string[]) => `${n.slice(0, 5).join(', ')}${n.length > 5 ? ` and ${n.length - 5} more` : ''}`;
  switch (event.type) {
    case 'GroupCreated':
      return `created as ${d.displayName}${names.length ? ` with ${names.length} member(s): ${list(names)}` : ''}`;
    case 'GroupRenamed':
      return `${d.from} → ${d.to}`;
    case 'GroupMembersAdded':
      return `${names.length} added: ${list(names)}`;
    case 'GroupMembersRemoved':
      return `${names.length} removed: ${list(names)}`;
    case 'GroupDeleted':
      return `deleted${names.length ? ` with ${names.length} member(s)` : ''}`;
    default:
      return '';
  }
}

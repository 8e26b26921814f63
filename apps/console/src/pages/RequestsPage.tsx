import { Anchor, Badge, Button, Code, Drawer, Group, NativeSelect, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent, type ReactNode } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { download, type Api } from '../api';
import { CorrelationLink, ErrorNotice, InstantField, Loading, Section, short, useLoad } from '../components/common';
import type { RequestRow } from '../data';
import { href, navigate } from '../router';
import { formatShortTime, formatTime } from '../time';

const PAGE_SIZE = 50;
const FILTERS = ['tokenId', 'status', 'scimType', 'correlationId', 'requestId', 'from', 'to'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;
const SCIM_TYPES = ['uniqueness', 'invalidFilter', 'invalidSyntax', 'invalidValue', 'invalidPath', 'noTarget', 'mutability', 'tooMany', 'invalidVers', 'sensitive'];
const PALETTE = ['#364fc7', '#c92a2a', '#2b8a3e', '#e67700', '#862e9c', '#0b7285', '#5c940d', '#a61e4d'];

interface TokenDiagnostics {
  id: string;
  name: string;
  idp: string;
  revokedAt: string | null;
  window: { requests: number; successRate: number | null; health: string; lastFailure: { at: string; status: number; scimType: string | null; detail: string | null } | null };
}

interface Diagnostics {
  window: { seconds: number; from: string; to: string };
  overall: { requests: number; successRate: number | null; health: string };
  tokens: TokenDiagnostics[];
}

export function RequestsPage({ api, query }: { api: Api; query: URLSearchParams }) {
  const filters: Filters = {};
  for (const key of FILTERS) {
    const value = query.get(key);
    if (value) filters[key] = value;
  }
  const page = Math.max(1, Number(query.get('page') ?? '1') || 1);
  const escalation = query.get('escalation');
  const diagnostics = useLoad('diagnostics', (signal) => api.get<Diagnostics>(`/admin/tenants/${encodeURIComponent(api.tenant)}/diagnostics`, { windowSeconds: 86_400 }, signal));
  const tokens = diagnostics.data?.tokens ?? [];
  const tokenName = (id: string | null) => {
    const token = tokens.find((t) => t.id === id);
    return token ? `${token.name} (${token.idp})` : id ? short(id) : '—';
  };
  const go = (next: Filters, nextPage = 1, escalate: string | null = null) =>
    navigate(href('/requests', { ...next, page: nextPage > 1 ? String(nextPage) : null, escalation: escalate }));

  const list = useLoad(JSON.stringify({ filters, page }), (signal) =>
    api.get<{ requests: RequestRow[] }>(api.t('/audit/requests'), { ...filters, count: PAGE_SIZE, startIndex: (page - 1) * PAGE_SIZE + 1 }, signal),
  );
  const openEscalation = (requestId: string) => go(filters, page, requestId);
  const closeEscalation = () => go(filters, page);

  return (
    <Stack gap="md">
      <h1 className="page-title">Requests</h1>
      <FilterForm key={JSON.stringify(filters)} initial={filters} tokens={tokens} onApply={(f) => go(f)} />
      <Section title="Request ledger, newest first">
        {list.loading && <Loading label="Reading the request ledger…" />}
        <ErrorNotice error={list.error} what="The request ledger" />
        {list.data && list.data.requests.length === 0 && <Text size="sm">No request matches these filters.</Text>}
        {list.data && list.data.requests.length > 0 && (
          <div className="table-scroll">
            <Table striped withTableBorder aria-label="Requests" data-testid="requests">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col" w={170}>When (UTC)</Table.Th>
                  <Table.Th scope="col">Request</Table.Th>
                  <Table.Th scope="col">Answer</Table.Th>
                  <Table.Th scope="col">Token</Table.Th>
                  <Table.Th scope="col">Correlation</Table.Th>
                  <Table.Th scope="col"><span className="visually-hidden">Escalation</span></Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.requests.map((r) => (
                  <Table.Tr key={r.requestId}>
                    <Table.Td className="tabular">{formatShortTime(r.at)}</Table.Td>
                    <Table.Td>
                      <Text size="sm" className="mono">{`${r.method} ${r.path}`}</Text>
                      <Text size="xs" c="dimmed">{`${r.latencyMs} ms`}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge color={r.status < 400 ? 'green' : r.status < 500 ? 'orange' : 'red'} variant={r.status < 400 ? 'light' : 'filled'}>{r.status}</Badge>
                      {r.scimType && <Badge ml={4} variant="outline" color="gray">{r.scimType}</Badge>}
                      {r.authFailure && <Badge ml={4} variant="outline" color="red">{r.authFailure}</Badge>}
                      {r.detail && <Text size="xs" mt={2}>{r.detail.slice(0, 160)}</Text>}
                    </Table.Td>
                    <Table.Td><Text size="sm">{tokenName(r.tokenId)}</Text></Table.Td>
                    <Table.Td><CorrelationLink id={r.correlationId} admin /></Table.Td>
                    <Table.Td>
                      <Button size="compact-sm" variant="light" onClick={() => openEscalation(r.requestId)} aria-label={`Escalation package of ${r.method} ${r.path} at ${formatTime(r.at)}`}>
                        Escalation
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
        )}
        <Group mt="sm" gap="sm">
          <Button variant="default" size="xs" disabled={page <= 1} onClick={() => go(filters, page - 1)}>Newer</Button>
          <Text size="sm">{`Page ${page}`}</Text>
          <Button variant="default" size="xs" disabled={(list.data?.requests.length ?? 0) < PAGE_SIZE} onClick={() => go(filters, page + 1)}>Older</Button>
        </Group>
      </Section>
      <SuccessRate api={api} diagnostics={diagnostics.data} diagnosticsError={diagnostics.error} tokenName={tokenName} />
      <Drawer opened={escalation !== null} onClose={closeEscalation} position="right" size="xl" title={<Title order={2} size="h4">Escalation package</Title>}>
        {escalation && <Escalation api={api} requestId={escalation} tokenName={tokenName} />}
      </Drawer>
    </Stack>
  );
}

function FilterForm({ initial, tokens, onApply }: { initial: Filters; tokens: TokenDiagnostics[]; onApply: (filters: Filters) => void }) {
  const [filters, setFilters] = useState<Filters>(initial);
  const set = (key: keyof Filters) => (value: string | null) => setFilters((f) => ({ ...f, [key]: value ?? undefined }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const clean: Filters = {};
    for (const key of FILTERS) if (filters[key]?.trim()) clean[key] = filters[key]!.trim();
    onApply(clean);
  };
  return (
    <form onSubmit={submit} aria-label="Filter the request ledger">
      <Group align="flex-end" gap="sm" wrap="wrap">
        <NativeSelect
          label="Token"
          data={[{ value: '', label: 'any' }, ...tokens.map((t) => ({ value: t.id, label: `${t.name} (${t.idp})${t.revokedAt ? ' revoked' : ''}` }))]}
          value={filters.tokenId ?? ''}
          onChange={(e) => set('tokenId')(e.currentTarget.value)}
          w={190}
        />
        <TextInput label="Status" value={filters.status ?? ''} onChange={(e) => set('status')(e.currentTarget.value)} w={80} inputMode="numeric" placeholder="409" />
        <NativeSelect label="scimType" data={[{ value: '', label: 'any' }, ...SCIM_TYPES]} value={filters.scimType ?? ''} onChange={(e) => set('scimType')(e.currentTarget.value)} w={140} />
        <TextInput label="Correlation id" value={filters.correlationId ?? ''} onChange={(e) => set('correlationId')(e.currentTarget.value)} w={200} />
        <TextInput label="Request id" value={filters.requestId ?? ''} onChange={(e) => set('requestId')(e.currentTarget.value)} w={200} />
        <InstantField label="From" value={filters.from ?? null} onChange={set('from')} />
        <InstantField label="To" value={filters.to ?? null} onChange={set('to')} />
        <Button type="submit">Filter</Button>
        <Button variant="default" onClick={() => onApply({})}>Clear</Button>
      </Group>
    </form>
  );
}

interface EscalationPackage {
  request: Record<string, unknown>;
  response: { status: number; scimType: string | null; detail: string | null; latencyMs: number };
  correlatedRequests: string[];
  resources: Array<{ streamId: string; events: Array<{ id: string; type: string; revision: number; data: unknown; metadata: { recordedAt: string } }>; before: unknown; after: unknown }>;
}

function Escalation({ api, requestId, tokenName }: { api: Api; requestId: string; tokenName: (id: string | null) => string }) {
  const answer = useLoad(requestId, (signal) => api.get<EscalationPackage>(api.t(`/audit/requests/${encodeURIComponent(requestId)}/escalation`), undefined, signal));
  const p = answer.data;
  const request = (p?.request ?? {}) as { method?: string; path?: string; query?: string; at?: string; correlationId?: string; tokenId?: string | null; idp?: string | null; body?: unknown; userAgent?: string | null; sourceAddress?: string | null; authFailure?: string | null };
  return (
    <Stack gap="md" data-testid="escalation">
      {answer.loading && <Loading label="Building the escalation package…" />}
      <ErrorNotice error={answer.error} what="Escalation package" />
      {p && (
        <>
          <Group justify="space-between">
            <Text size="sm" className="mono">{`${request.method ?? ''} ${request.path ?? ''}${request.query ? `?${request.query}` : ''}`}</Text>
            <Button size="xs" variant="default" onClick={() => download(JSON.stringify(p, null, 2), `escalation-${requestId}.json`, 'application/json')}>Download JSON</Button>
          </Group>
          <Table withTableBorder aria-label="Request and answer">
            <Table.Tbody>
              <Row label="Request id" value={<span className="mono">{requestId}</span>} />
              <Row label="Received" value={formatTime(request.at)} />
              <Row label="Answer" value={<><Badge color={p.response.status < 400 ? 'green' : 'red'}>{p.response.status}</Badge>{p.response.scimType && <Badge ml={4} variant="outline">{p.response.scimType}</Badge>}</>} />
              {p.response.detail && <Row label="Detail" value={p.response.detail} />}
              <Row label="Latency" value={`${p.response.latencyMs} ms`} />
              <Row label="Token" value={tokenName(request.tokenId ?? null)} />
              <Row label="IdP" value={request.idp ?? '—'} />
              {request.authFailure && <Row label="Authentication" value={request.authFailure} />}
              <Row label="Correlation id" value={request.correlationId ? <CorrelationLink id={request.correlationId} admin /> : '—'} />
              <Row label="Client" value={[request.sourceAddress, request.userAgent].filter(Boolean).join(' · ') || '—'} />
            </Table.Tbody>
          </Table>
          {request.body !== undefined && request.body !== null && (
            <div>
              <Title order={3} size="h5" mb={4}>Payload (secrets redacted)</Title>
              <Code block className="value-json">{JSON.stringify(request.body, null, 2)}</Code>
            </div>
          )}
          {p.correlatedRequests.length > 1 && (
            <div>
              <Title order={3} size="h5" mb={4}>{`Requests with the same correlation id (${p.correlatedRequests.length})`}</Title>
              <Group gap={6}>
                {p.correlatedRequests.map((id) => (
                  <Anchor key={id} size="xs" className="mono" href={`/console/requests?escalation=${encodeURIComponent(id)}`} onClick={(e) => { e.preventDefault(); navigate(`/requests?escalation=${encodeURIComponent(id)}`); }}>
                    {id === requestId ? `${short(id)} (this)` : short(id)}
                  </Anchor>
                ))}
              </Group>
            </div>
          )}
          {p.resources.map((resource) => (
            <div key={resource.streamId}>
              <Title order={3} size="h5" mb={4}>{resource.streamId}</Title>
              <Text size="sm" mb={4}>{resource.events.map((e) => `${e.type} (rev ${e.revision})`).join(', ')}</Text>
              <Group grow align="flex-start">
                <div>
                  <Text size="xs" fw={600}>Before</Text>
                  <Code block className="value-json">{JSON.stringify(resource.before, null, 2)}</Code>
                </div>
                <div>
                  <Text size="xs" fw={600}>After</Text>
                  <Code block className="value-json">{JSON.stringify(resource.after, null, 2)}</Code>
                </div>
              </Group>
            </div>
          ))}
          {p.resources.length === 0 && <Text size="sm">This request changed nothing (no events were recorded for it).</Text>}
        </>
      )}
    </Stack>
  );
}

function Row({ label, value }: { label: string; value: ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th scope="row" w={140}>{label}</Table.Th>
      <Table.Td>{value}</Table.Td>
    </Table.Tr>
  );
}

const WINDOWS = {
  hour: { label: 'Last hour', ms: 3600_000, buckets: 12 },
  day: { label: 'Last 24 hours', ms: 86_400_000, buckets: 24 },
  week: { label: 'Last 7 days', ms: 7 * 86_400_000, buckets: 28 },
} as const;

function SuccessRate({ api, diagnostics, diagnosticsError, tokenName }: { api: Api; diagnostics: Diagnostics | null; diagnosticsError: unknown; tokenName: (id: string | null) => string }) {
  const [window, setWindow] = useState<keyof typeof WINDOWS>('hour');
  const spec = WINDOWS[window];
  const series = useLoad(window, async (signal) => {
    const end = Date.now();
    const start = end - spec.ms;
    const rows: RequestRow[] = [];
    for (let page = 0; page < 5; page++) {
      const answer = await api.get<{ requests: RequestRow[] }>(api.t('/audit/requests'), { from: new Date(start).toISOString(), count: 1000, startIndex: page * 1000 + 1 }, signal);
      rows.push(...answer.requests);
      if (answer.requests.length < 1000) break;
    }
    const size = spec.ms / spec.buckets;
    const tokens = [...new Set(rows.map((r) => r.tokenId ?? 'none'))];
    const buckets = Array.from({ length: spec.buckets }, (_, i) => ({ start: start + i * size, counts: new Map<string, { ok: number; all: number }>() }));
    for (const row of rows) {
      const index = Math.min(spec.buckets - 1, Math.floor((Date.parse(row.at) - start) / size));
      if (index < 0) continue;
      const key = row.tokenId ?? 'none';
      const count = buckets[index]!.counts.get(key) ?? { ok: 0, all: 0 };
      count.all++;
      if (row.status < 400) count.ok++;
      buckets[index]!.counts.set(key, count);
    }
    return {
      tokens,
      truncated: rows.length >= 5000,
      points: buckets.map((b) => {
        const point: Record<string, number | string | null> = { time: formatShortTime(new Date(b.start).toISOString()).slice(5, 16) };
        for (const token of tokens) {
          const c = b.counts.get(token);
          point[token] = c ? Math.round((c.ok / c.all) * 1000) / 10 : null;
        }
        return point;
      }),
    };
  });
  const label = (token: string) => (token === 'none' ? 'no token' : tokenName(token));
  return (
    <Section
      title="Success rate per token over time"
      actions={<NativeSelect aria-label="Time window" size="xs" data={Object.entries(WINDOWS).map(([value, w]) => ({ value, label: w.label }))} value={window} onChange={(e) => setWindow(e.currentTarget.value as keyof typeof WINDOWS)} />}
    >
      {series.loading && <Loading label="Counting requests…" />}
      <ErrorNotice error={series.error} what="Success rate" />
      {series.data && series.data.tokens.length === 0 && <Text size="sm">No requests in this window.</Text>}
      {series.data && series.data.tokens.length > 0 && (
        <div style={{ width: '100%', height: 260 }} data-testid="success-chart">
          <ResponsiveContainer>
            <LineChart data={series.data.points} margin={{ top: 8, right: 16, bottom: 8, left: 0 }} accessibilityLayer>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="time" tick={{ fontSize: 11 }} />
              <YAxis domain={[0, 100]} unit="%" tick={{ fontSize: 11 }} />
              <Tooltip />
              <Legend />
              {series.data.tokens.map((token, i) => (
                <Line key={token} type="monotone" dataKey={token} name={label(token)} stroke={PALETTE[i % PALETTE.length]} strokeWidth={2} connectNulls dot={{ r: 3 }} isAnimationActive={false} />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
      {series.data?.truncated && <Text size="xs" c="dimmed">Only the newest 5,000 requests of the window are counted.</Text>}
      <ErrorNotice error={diagnosticsError} what="Token diagnostics" />
      {diagnostics && (
        <div className="table-scroll">
          <Table striped withTableBorder mt="sm" aria-label="Token health, last 24 hours">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Token</Table.Th>
                <Table.Th scope="col">Requests (24 h)</Table.Th>
                <Table.Th scope="col">Success rate</Table.Th>
                <Table.Th scope="col">Health</Table.Th>
                <Table.Th scope="col">Last failure</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {diagnostics.tokens.map((t) => (
                <Table.Tr key={t.id}>
                  <Table.Td>{`${t.name} (${t.idp})`}{t.revokedAt && <Badge ml={4} color="gray" variant="outline">revoked</Badge>}</Table.Td>
                  <Table.Td>{t.window.requests}</Table.Td>
                  <Table.Td>{t.window.successRate === null ? '—' : `${Math.round(t.window.successRate * 1000) / 10}%`}</Table.Td>
                  <Table.Td><Badge color={t.window.health === 'healthy' ? 'green' : t.window.health === 'degraded' ? 'orange' : t.window.health === 'incident' ? 'red' : 'gray'} variant="light">{t.window.health}</Badge></Table.Td>
                  <Table.Td>
                    {t.window.lastFailure ? (
                      <Text size="xs">{`${formatShortTime(t.window.lastFailure.at)} · ${t.window.lastFailure.status}${t.window.lastFailure.scimType ? ` ${t.window.lastFailure.scimType}` : ''}`}</Text>
                    ) : '—'}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
    </Section>
  );
}

import { Alert, Anchor, Badge, Button, Group, List, NativeSelect, Paper, SimpleGrid, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { useEffect, useState, type ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { download, type Api } from '../api';
import { ErrorNotice, Loading, Section, useLoad } from '../components/common';
import { casesOf, type SlaCase, type SlaCaseDetail, type SlaReport } from '../data';
import { href, navigate } from '../router';
import { formatDuration, formatShortTime, formatTime, startOfUtcDay } from '../time';

type Tab = 'open' | 'breaches' | 'compliance';

export function SlaPage({ api, caseId, query }: { api: Api; caseId: string | null; query: URLSearchParams }) {
  const tab = (['open', 'breaches', 'compliance'].includes(query.get('tab') ?? '') ? query.get('tab') : 'open') as Tab;
  return (
    <Stack gap="md">
      <h1 className="page-title">SLA</h1>
      {api.session.role !== 'admin' && (
        <Alert color="orange" role="status">The SLA API takes the admin token; auditor tokens are refused there.</Alert>
      )}
      {caseId ? (
        <CaseDetail api={api} caseId={caseId} />
      ) : (
        <Tabs value={tab} onChange={(value) => navigate(href('/sla', { tab: value ?? 'open' }))} keepMounted={false}>
          <Tabs.List aria-label="SLA views">
            <Tabs.Tab value="open">Open cases</Tabs.Tab>
            <Tabs.Tab value="breaches">Breaches</Tabs.Tab>
            <Tabs.Tab value="compliance">Compliance</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="open" pt="md"><OpenCases api={api} /></Tabs.Panel>
          <Tabs.Panel value="breaches" pt="md"><Breaches api={api} /></Tabs.Panel>
          <Tabs.Panel value="compliance" pt="md"><Compliance api={api} /></Tabs.Panel>
        </Tabs>
      )}
    </Stack>
  );
}

function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

function statusColour(status: string): string {
  return status === 'breached' ? 'red' : status === 'open' ? 'blue' : status === 'completed' ? 'green' : 'gray';
}

function openCase(caseId: string) {
  navigate(`/sla/cases/${encodeURIComponent(caseId)}`);
}

function CaseLink({ c }: { c: SlaCase }) {
  return (
    <Anchor href={`/console/sla/cases/${encodeURIComponent(c.caseId)}`} onClick={(e) => { e.preventDefault(); openCase(c.caseId); }}>
      {c.user.userName}
    </Anchor>
  );
}

function OpenCases({ api }: { api: Api }) {
  const now = useNow();
  const cases = useLoad('open', async (signal) => casesOf(await api.get(api.t('/sla/cases'), { status: 'open', limit: 1000 }, signal)));
  const sorted = [...(cases.data ?? [])].sort((a, b) => Date.parse(a.deadline) - Date.parse(b.deadline));
  return (
    <Section title="Open cases, soonest deadline first" actions={<Button variant="default" size="xs" onClick={cases.reload}>Refresh</Button>}>
      {cases.loading && <Loading label="Reading open cases…" />}
      <ErrorNotice error={cases.error} what="Open cases" feature="SLA" />
      {cases.data && sorted.length === 0 && <Text size="sm">No open cases inside their window.</Text>}
      {sorted.length > 0 && (
        <div className="table-scroll">
          <Table striped withTableBorder aria-label="Open cases" data-testid="open-cases">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">User</Table.Th>
                <Table.Th scope="col">Kind</Table.Th>
                <Table.Th scope="col">Severity</Table.Th>
                <Table.Th scope="col">Window started</Table.Th>
                <Table.Th scope="col">Deadline</Table.Th>
                <Table.Th scope="col">Time left</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {sorted.map((c) => {
                const left = (Date.parse(c.deadline) - now) / 1000;
                return (
                  <Table.Tr key={c.caseId}>
                    <Table.Td><CaseLink c={c} /></Table.Td>
                    <Table.Td>{c.kind}</Table.Td>
                    <Table.Td><Badge variant="light" color={c.severity === 'critical' ? 'red' : 'gray'}>{c.severity}</Badge></Table.Td>
                    <Table.Td className="tabular">{formatShortTime(c.startedAt)}</Table.Td>
                    <Table.Td className="tabular">{formatShortTime(c.deadline)}</Table.Td>
                    <Table.Td className="tabular">
                      <Text size="sm" fw={600} c={left < 0 ? 'red.9' : left < c.windowSeconds * 0.2 ? 'orange.9' : undefined}>
                        {left < 0 ? `overdue ${formatDuration(-left)}` : formatDuration(left)}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </div>
      )}
    </Section>
  );
}

function Breaches({ api }: { api: Api }) {
  const cases = useLoad('breaches', async (signal) => {
    const ongoing = casesOf(await api.get(api.t('/sla/cases'), { status: 'breached', limit: 1000 }, signal));
    const closed = casesOf(await api.get(api.t('/sla/cases'), { status: 'closed', limit: 1000 }, signal)).filter((c) => c.breachedAt);
    return [...ongoing, ...closed].sort((a, b) => Date.parse(b.breachedAt ?? b.deadline) - Date.parse(a.breachedAt ?? a.deadline));
  });
  return (
    <Section title="Breaches, newest first" actions={<Button variant="default" size="xs" onClick={cases.reload}>Refresh</Button>}>
      {cases.loading && <Loading label="Reading breaches…" />}
      <ErrorNotice error={cases.error} what="Breaches" feature="SLA" />
      {cases.data && cases.data.length === 0 && <Text size="sm">No breaches recorded.</Text>}
      {cases.data && cases.data.length > 0 && (
        <div className="table-scroll">
          <Table striped withTableBorder aria-label="Breached cases" data-testid="breaches">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">User</Table.Th>
                <Table.Th scope="col">Kind</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
                <Table.Th scope="col">Window</Table.Th>
                <Table.Th scope="col">Breached at</Table.Th>
                <Table.Th scope="col">Resolved at</Table.Th>
                <Table.Th scope="col"><span className="visually-hidden">Timeline</span></Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {cases.data.map((c) => (
                <Table.Tr key={c.caseId}>
                  <Table.Td><CaseLink c={c} /></Table.Td>
                  <Table.Td>{c.kind}</Table.Td>
                  <Table.Td><Badge color={statusColour(c.status)} variant="light">{c.status}</Badge></Table.Td>
                  <Table.Td>{formatDuration(c.windowSeconds)}</Table.Td>
                  <Table.Td className="tabular">{formatShortTime(c.breachedAt)}</Table.Td>
                  <Table.Td className="tabular">{c.resolvedAt ? formatShortTime(c.resolvedAt) : '—'}</Table.Td>
                  <Table.Td>
                    <Button size="compact-sm" variant="light" onClick={() => openCase(c.caseId)} aria-label={`Timeline of ${c.user.userName}'s ${c.kind} case`}>
                      Timeline
                    </Button>
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

function CaseDetail({ api, caseId }: { api: Api; caseId: string }) {
  const detail = useLoad(caseId, (signal) => api.get<SlaCaseDetail>(api.t(`/sla/cases/${encodeURIComponent(caseId)}`), undefined, signal));
  const c = detail.data;
  return (
    <Stack gap="lg">
      <Anchor href="/console/sla?tab=breaches" onClick={(e) => { e.preventDefault(); navigate('/sla?tab=breaches'); }}>← Back to breaches</Anchor>
      {detail.loading && <Loading label="Reading the case…" />}
      <ErrorNotice error={detail.error} what="Case" feature="SLA" />
      {c && (
        <>
          <Group gap="sm" align="center">
            <Title order={2} size="h3">{`${c.kind} case: ${c.user.userName}`}</Title>
            <Badge color={statusColour(c.status)} size="lg">{c.status}</Badge>
            <Badge color={c.severity === 'critical' ? 'red' : 'gray'} variant="outline">{c.severity}</Badge>
          </Group>
          <SimpleGrid cols={{ base: 2, md: 4 }} spacing="sm">
            <Fact label="Window" value={formatDuration(c.windowSeconds)} />
            <Fact label="Window started" value={formatTime(c.startedAt)} />
            <Fact label="Deadline" value={formatTime(c.deadline)} />
            <Fact label="Breached at" value={c.breachedAt ? formatTime(c.breachedAt) : '—'} />
            <Fact label="Completed at" value={c.completedAt ? formatTime(c.completedAt) : '—'} />
            <Fact label="Elapsed" value={formatDuration(c.elapsedSeconds)} />
            <Fact label="User" value={<Anchor href={`/console/users/${encodeURIComponent(c.user.id)}`} onClick={(e) => { e.preventDefault(); navigate(`/users/${encodeURIComponent(c.user.id)}`); }}>{c.user.userName}</Anchor>} />
            <Fact label="Case id" value={<span className="mono">{c.caseId}</span>} />
          </SimpleGrid>
          {c.outstanding.length > 0 && (
            <Alert color="red" title="Still outstanding" role="status">
              <List size="sm">{c.outstanding.map((o) => <List.Item key={o}>{o}</List.Item>)}</List>
            </Alert>
          )}
          <Section title="Where the time went">
            <Phases phases={c.phases} windowSeconds={c.windowSeconds} />
          </Section>
          <Section title="Timeline">
            <div className="table-scroll">
              <Table striped withTableBorder aria-label="Case timeline, oldest first" data-testid="case-timeline">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col" w={200}>When (UTC)</Table.Th>
                    <Table.Th scope="col">What</Table.Th>
                    <Table.Th scope="col">Since window start</Table.Th>
                    <Table.Th scope="col">Detail</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {c.timeline.map((t, i) => (
                    <Table.Tr key={`${t.at}-${i}`}>
                      <Table.Td className="tabular">{formatTime(t.at)}</Table.Td>
                      <Table.Td>
                        <Text size="sm" fw={600} c={t.event === 'SlaBreached' ? 'red.9' : t.event === 'SlaResolved' || t.event === 'SlaCaseCompleted' ? 'green.9' : undefined}>
                          {t.milestone ?? t.event}
                        </Text>
                        {t.milestone && <Text size="xs" c="dimmed">milestone</Text>}
                      </Table.Td>
                      <Table.Td className="tabular">{formatDuration((Date.parse(t.at) - Date.parse(c.startedAt)) / 1000)}</Table.Td>
                      <Table.Td><Text size="xs" className="mono">{summariseDetail(t.detail)}</Text></Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </div>
          </Section>
          {c.deliveries && c.deliveries.length > 0 && (
            <Section title="Alert deliveries">
              <Table striped withTableBorder aria-label="Alert deliveries">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Alert</Table.Th>
                    <Table.Th scope="col">Route</Table.Th>
                    <Table.Th scope="col">Status</Table.Th>
                    <Table.Th scope="col">Attempts</Table.Th>
                    <Table.Th scope="col">Delivered at</Table.Th>
                    <Table.Th scope="col">Last error</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {c.deliveries.map((d) => (
                    <Table.Tr key={`${d.alert}-${d.route}`}>
                      <Table.Td>{d.alert}</Table.Td>
                      <Table.Td>{`${d.routeType} (${d.route})`}</Table.Td>
                      <Table.Td><Badge variant="light" color={d.status === 'delivered' ? 'green' : 'orange'}>{d.status}</Badge></Table.Td>
                      <Table.Td>{d.attempts}</Table.Td>
                      <Table.Td className="tabular">{d.deliveredAt ? formatShortTime(d.deliveredAt) : '—'}</Table.Td>
                      <Table.Td>{d.lastError ?? (d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : '—')}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Section>
          )}
        </>
      )}
    </Stack>
  );
}

function Fact({ label, value }: { label: string; value: ReactNode }) {
  return (
    <Paper withBorder p="xs">
      <Text size="xs" c="dimmed">{label}</Text>
      <Text size="sm" fw={500} component="div">{value}</Text>
    </Paper>
  );
}

function Phases({ phases, windowSeconds }: { phases: SlaCaseDetail['phases']; windowSeconds: number }) {
  const parts = [
    { label: 'IdP lag', seconds: phases.idpLagSeconds, colour: 'var(--mantine-color-violet-7)' },
    { label: 'Processing here', seconds: phases.processingSeconds, colour: 'var(--mantine-color-indigo-7)' },
    { label: 'Downstream acknowledgement', seconds: phases.downstreamSeconds, colour: 'var(--mantine-color-teal-8)' },
  ];
  const known = parts.filter((p) => p.seconds !== null);
  if (known.length === 0) return <Text size="sm">No phase has completed yet (phases are measured for leaver cases once access is removed).</Text>;
  const total = Math.max(windowSeconds, known.reduce((sum, p) => sum + (p.seconds ?? 0), 0));
  return (
    <Stack gap="xs">
      <div role="img" aria-label={known.map((p) => `${p.label} ${formatDuration(p.seconds)}`).join(', ')} style={{ display: 'flex', height: 22, border: '1px solid #ced4da', borderRadius: 4, overflow: 'hidden', maxWidth: 720 }}>
        {known.map((p) => (
          <div key={p.label} style={{ width: `${((p.seconds ?? 0) / total) * 100}%`, minWidth: 3, background: p.colour }} />
        ))}
      </div>
      <Group gap="lg">
        {parts.map((p) => (
          <Group key={p.label} gap={6}>
            <span aria-hidden style={{ width: 12, height: 12, background: p.colour, display: 'inline-block', borderRadius: 2 }} />
            <Text size="sm">{`${p.label}: ${p.seconds === null ? 'not reached' : formatDuration(p.seconds)}`}</Text>
          </Group>
        ))}
        <Text size="sm" c="dimmed">{`window ${formatDuration(windowSeconds)}`}</Text>
      </Group>
    </Stack>
  );
}

/** Facts shown above the timeline already; a timeline row adds what is new in its event. */
const SHOWN_ABOVE = new Set(['kind', 'userId', 'userName', 'severity', 'policyVersion', 'windowSeconds', 'terms', 'openedAt', 'caseId']);

function summariseDetail(detail: Record<string, unknown> | undefined): string {
  if (!detail) return '';
  const entries = Object.entries(detail).filter(([key, value]) => value !== null && value !== undefined && !SHOWN_ABOVE.has(key));
  return entries
    .map(([key, value]) => {
      if (key === 'trigger' && value && typeof value === 'object') return `trigger: ${String((value as { type?: unknown }).type)}`;
      if (Array.isArray(value)) return `${key}: ${value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ') || 'none'}`;
      return `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`;
    })
    .join(' · ')
    .slice(0, 400);
}

const GRANULARITY = {
  day: { label: 'Daily, last 14 days', buckets: 14, ms: 86_400_000 },
  week: { label: 'Weekly, last 8 weeks', buckets: 8, ms: 7 * 86_400_000 },
} as const;

function Compliance({ api }: { api: Api }) {
  const [granularity, setGranularity] = useState<keyof typeof GRANULARITY>('day');
  const spec = GRANULARITY[granularity];
  const end = startOfUtcDay(Date.now()) + 86_400_000;
  const start = end - spec.buckets * spec.ms;
  const reports = useLoad(granularity, async (signal) => {
    const periods = Array.from({ length: spec.buckets }, (_, i) => ({ from: new Date(start + i * spec.ms).toISOString(), to: new Date(start + (i + 1) * spec.ms).toISOString() }));
    const answers: SlaReport[] = [];
    for (const period of periods) answers.push(await api.get<SlaReport>(api.t('/sla/report'), period, signal));
    return answers;
  });
  const [csvError, setCsvError] = useState<unknown>(null);
  const downloadCsv = async () => {
    setCsvError(null);
    try {
      const from = new Date(start).toISOString();
      const to = new Date(end).toISOString();
      const response = await api.raw(`${api.t('/sla/report')}?${new URLSearchParams({ from, to, format: 'csv' })}`, { headers: { accept: 'text/csv' } });
      download(await response.blob(), `sla-report-${api.tenant}-${from.slice(0, 10)}-${to.slice(0, 10)}.csv`, 'text/csv');
    } catch (error) {
      setCsvError(error);
    }
  };
  const rows = (reports.data ?? []).map((r) => ({
    period: r.from.slice(0, 10),
    within: r.summary.percentWithinWindow,
    cases: r.summary.cases,
    breached: r.summary.breached,
    completedWithinWindow: r.summary.completedWithinWindow,
    p50: r.summary.p50CompletionSeconds,
    p95: r.summary.p95CompletionSeconds,
  }));
  return (
    <Section
      title="Compliance per period"
      actions={
        <Group gap="sm" align="flex-end">
          <NativeSelect aria-label="Periods" size="xs" data={Object.entries(GRANULARITY).map(([value, g]) => ({ value, label: g.label }))} value={granularity} onChange={(e) => setGranularity(e.currentTarget.value as keyof typeof GRANULARITY)} />
          <Button size="xs" variant="default" onClick={() => void downloadCsv()}>Download CSV</Button>
        </Group>
      }
    >
      <ErrorNotice error={csvError} what="CSV report" feature="SLA" />
      {reports.loading && <Loading label="Building reports…" />}
      <ErrorNotice error={reports.error} what="SLA report" feature="SLA" />
      {rows.length > 0 && (
        <>
          <div style={{ width: '100%', height: 260 }} data-testid="compliance-chart">
            <ResponsiveContainer>
              <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 0 }} accessibilityLayer>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="period" tick={{ fontSize: 11 }} />
                <YAxis yAxisId="pct" domain={[0, 100]} unit="%" tick={{ fontSize: 11 }} />
                <YAxis yAxisId="count" orientation="right" allowDecimals={false} tick={{ fontSize: 11 }} />
                <Tooltip />
                <Legend />
                <Bar yAxisId="pct" dataKey="within" name="% within window" fill="#364fc7" />
                <Bar yAxisId="count" dataKey="breached" name="breaches" fill="#c92a2a" />
              </BarChart>
            </ResponsiveContainer>
          </div>
          <div className="table-scroll">
            <Table striped withTableBorder aria-label="Compliance per period" mt="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Period from</Table.Th>
                  <Table.Th scope="col">Cases</Table.Th>
                  <Table.Th scope="col">Done in time</Table.Th>
                  <Table.Th scope="col">Breached</Table.Th>
                  <Table.Th scope="col">% within window</Table.Th>
                  <Table.Th scope="col">p50</Table.Th>
                  <Table.Th scope="col">p95</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((r) => (
                  <Table.Tr key={r.period}>
                    <Table.Td className="tabular">{r.period}</Table.Td>
                    <Table.Td>{r.cases}</Table.Td>
                    <Table.Td>{r.completedWithinWindow}</Table.Td>
                    <Table.Td>{r.breached}</Table.Td>
                    <Table.Td>{r.within === null ? '—' : `${r.within}%`}</Table.Td>
                    <Table.Td>{formatDuration(r.p50)}</Table.Td>
                    <Table.Td>{formatDuration(r.p95)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
        </>
      )}
    </Section>
  );
}

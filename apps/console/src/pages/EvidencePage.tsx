import { Alert, Badge, Button, Code, Group, List, NativeSelect, Progress, Stack, Table, Text } from '@mantine/core';
import { useRef, useState } from 'react';
import { ApiError, download, type Api } from '../api';
import { ErrorNotice, InstantField, Loading, Section, useLoad } from '../components/common';
import type { ChangesPage } from '../data';
import { checkpointBody, eventLeaf, fromBase64, leafHash, rootFromInclusionProof, sha256Hex, toBase64, type LeafFields } from '../merkle';
import { formatTime } from '../time';

interface Checkpoint {
  origin: string;
  treeSize: number;
  rootHash: string;
  time: string | null;
  keyId: string;
  checkpoint: string;
}

interface Manifest {
  kind: 'manifest';
  tenant: string;
  from: string;
  to: string;
  generatedAt: string;
  generatedBy: string;
  counts: { events: number; requests: number; snapshots: number };
  sha256: string;
}

interface InclusionAnswer {
  leafIndex: number;
  treeSize: number;
  rootHash: string;
  proof: string[];
  checkpoint: string | null;
}

interface Check {
  label: string;
  ok: boolean;
  detail: string;
}

interface ExportState {
  phase: 'idle' | 'events' | 'snapshots' | 'checking' | 'done' | 'failed' | 'cancelled';
  bytes: number;
  events: number;
  snapshots: number;
  expectedEvents: number | null;
  error?: unknown;
  manifest?: Manifest;
  checks?: Check[];
  blob?: Blob;
  filename?: string;
}

export function EvidencePage({ api }: { api: Api }) {
  // An export may sign a newer checkpoint (to prove its events): show it once the export is done.
  const [exports, setExports] = useState(0);
  return (
    <Stack gap="md">
      <h1 className="page-title">Evidence</h1>
      <ExportPanel api={api} onDone={() => setExports((n) => n + 1)} />
      <StoreStatus api={api} refresh={exports} />
    </Stack>
  );
}

function ExportPanel({ api, onDone }: { api: Api; onDone: () => void }) {
  const [from, setFrom] = useState<string | null>(() => new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10) + 'T00:00:00.000Z');
  const [to, setTo] = useState<string | null>(null);
  const [format, setFormat] = useState<'jsonl' | 'csv'>('jsonl');
  const [state, setState] = useState<ExportState>({ phase: 'idle', bytes: 0, events: 0, snapshots: 0, expectedEvents: null });
  const abort = useRef<AbortController | null>(null);
  const running = state.phase === 'events' || state.phase === 'snapshots' || state.phase === 'checking';

  const run = async () => {
    const controller = new AbortController();
    abort.current = controller;
    const end = to ?? new Date().toISOString();
    const start = from ?? '1970-01-01T00:00:00.000Z';
    setState({ phase: 'events', bytes: 0, events: 0, snapshots: 0, expectedEvents: null });
    try {
      const total = await api.get<ChangesPage>(api.t('/audit/changes'), { from: start, to: end, count: 1 }, controller.signal);
      setState((s) => ({ ...s, expectedEvents: total.totalResults }));
      const response = await api.raw(`${api.t('/audit/export')}?${new URLSearchParams({ from: start, to: end, format })}`, { signal: controller.signal, headers: { accept: '*/*' } });
      const reader = response.body!.getReader();
      const chunks: Uint8Array[] = [];
      let bytes = 0;
      let events = 0;
      let snapshots = 0;
      let carry = '';
      const decoder = new TextDecoder();
      let lastPaint = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        bytes += value.length;
        const text = carry + decoder.decode(value, { stream: true });
        const lines = text.split('\n');
        carry = lines.pop() ?? '';
        for (const line of lines) {
          if (line.startsWith('{"kind":"event"') || line.startsWith('event,')) events++;
          else if (line.startsWith('{"kind":"snapshot"') || line.startsWith('snapshot,')) snapshots++;
        }
        if (performance.now() - lastPaint > 100) {
          lastPaint = performance.now();
          setState((s) => ({ ...s, phase: snapshots > 0 ? 'snapshots' : 'events', bytes, events, snapshots }));
        }
      }
      const blob = new Blob(chunks as BlobPart[], { type: format === 'csv' ? 'text/csv' : 'application/x-ndjson' });
      const filename = `audit-${api.tenant}-${start.slice(0, 10)}-${end.slice(0, 10)}.${format}`;
      setState((s) => ({ ...s, phase: 'checking', bytes, events, snapshots }));
      const { manifest, checks } = await checkBundle(api, concat(chunks, bytes), format);
      setState((s) => ({ ...s, phase: 'done', bytes, events, snapshots, manifest, checks, blob, filename }));
      onDone();
    } catch (error) {
      if (controller.signal.aborted) setState((s) => ({ ...s, phase: 'cancelled' }));
      else setState((s) => ({ ...s, phase: 'failed', error }));
    }
  };

  const expected = state.expectedEvents;
  const percent = state.phase === 'done' ? 100 : expected ? Math.min(95, (state.events / Math.max(1, expected)) * 90) : 0;
  const status =
    state.phase === 'events' ? `Receiving events: ${state.events}${expected !== null ? ` of about ${expected}` : ''}`
      : state.phase === 'snapshots' ? `Receiving user snapshots: ${state.snapshots}`
        : state.phase === 'checking' ? 'Checking the bundle…'
          : state.phase === 'done' ? 'Export complete'
            : state.phase === 'cancelled' ? 'Export cancelled'
              : '';

  return (
    <Section title="Export a period as an evidence bundle">
      <form onSubmit={(e) => { e.preventDefault(); if (!running) void run(); }} aria-label="Evidence export">
        <Group align="flex-end" gap="sm">
          <InstantField label="From" value={from} onChange={setFrom} />
          <InstantField label="To" value={to} onChange={setTo} description="empty: now" />
          <NativeSelect label="Format" data={[{ value: 'jsonl', label: 'JSON lines' }, { value: 'csv', label: 'CSV' }]} value={format} onChange={(e) => setFormat(e.currentTarget.value as 'jsonl' | 'csv')} />
          <Button type="submit" loading={running}>Export</Button>
          {running && <Button variant="default" onClick={() => abort.current?.abort()}>Cancel</Button>}
        </Group>
      </form>
      {state.phase !== 'idle' && (
        <Stack gap={6} mt="md" data-testid="export-progress">
          <Progress
            value={percent}
            animated={running}
            size="lg"
            aria-label="Export progress"
            color={state.phase === 'failed' ? 'red' : state.phase === 'done' ? 'green' : 'indigo'}
          />
          <Text size="sm" role="status" aria-live="polite">{`${status}${state.bytes ? ` · ${(state.bytes / 1024).toFixed(1)} KiB` : ''}`}</Text>
        </Stack>
      )}
      {state.phase === 'failed' && <ErrorNotice error={state.error} what="Export" />}
      {state.phase === 'done' && state.manifest && (
        <Stack gap="sm" mt="md">
          <Group>
            <Button onClick={() => state.blob && download(state.blob, state.filename!)}>{`Download ${state.filename}`}</Button>
          </Group>
          <Table withTableBorder aria-label="Bundle manifest" data-testid="manifest">
            <Table.Tbody>
              <Table.Tr><Table.Th scope="row" w={180}>Period</Table.Th><Table.Td>{`${formatTime(state.manifest.from)} – ${formatTime(state.manifest.to)}`}</Table.Td></Table.Tr>
              <Table.Tr><Table.Th scope="row">Counts</Table.Th><Table.Td>{`${state.manifest.counts.events} events (${state.manifest.counts.requests} request records), ${state.manifest.counts.snapshots} user snapshots`}</Table.Td></Table.Tr>
              <Table.Tr><Table.Th scope="row">Generated</Table.Th><Table.Td>{`${formatTime(state.manifest.generatedAt)} by ${state.manifest.generatedBy}`}</Table.Td></Table.Tr>
              <Table.Tr><Table.Th scope="row">sha256</Table.Th><Table.Td><Code>{state.manifest.sha256}</Code></Table.Td></Table.Tr>
            </Table.Tbody>
          </Table>
          <Checks checks={state.checks ?? []} />
        </Stack>
      )}
    </Section>
  );
}

function Checks({ checks }: { checks: Check[] }) {
  return (
    <List spacing={6} aria-label="Bundle checks" data-testid="bundle-checks">
      {checks.map((check) => (
        <List.Item key={check.label} icon={<Badge color={check.ok ? 'green' : 'red'} variant="filled" size="sm">{check.ok ? 'verified' : 'failed'}</Badge>}>
          <Text size="sm" fw={600} span>{check.label}</Text>
          <Text size="xs">{check.detail}</Text>
        </List.Item>
      ))}
    </List>
  );
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const all = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}

/**
 * What the browser can check on its own: the manifest's sha256 against the bytes before it, and,
 * for JSON lines, that the first and last exported events are in the signed Merkle tree (the
 * proof is recomputed here). Checkpoint signatures are checked offline by `scim-ledger verify`.
 */
async function checkBundle(api: Api, bytes: Uint8Array, format: 'jsonl' | 'csv'): Promise<{ manifest: Manifest; checks: Check[] }> {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--;
  let start = end;
  while (start > 0 && bytes[start - 1] !== 0x0a) start--;
  const lastLine = new TextDecoder().decode(bytes.subarray(start, end));
  const manifest = parseManifest(lastLine, format);
  if (!manifest) throw new Error('the bundle has no manifest line at its end: it is truncated');
  const checks: Check[] = [];
  const digest = await sha256Hex(bytes.subarray(0, start));
  checks.push({
    label: 'Bundle is intact',
    ok: digest === manifest.sha256,
    detail: digest === manifest.sha256 ? `sha256 of the ${start} bytes before the manifest matches the manifest` : `sha256 of the content is ${digest}, the manifest says ${manifest.sha256}`,
  });
  if (format !== 'jsonl') {
    checks.push({ label: 'Merkle inclusion', ok: true, detail: 'checked on JSON lines bundles; export as JSON lines to have the console check proofs' });
    return { manifest, checks };
  }
  const events: LeafFields[] = [];
  const text = new TextDecoder().decode(bytes.subarray(0, start));
  for (const line of text.split('\n')) {
    if (!line.startsWith('{"kind":"event"')) continue;
    const e = JSON.parse(line) as LeafFields;
    events.push({ position: e.position, streamId: e.streamId, revision: e.revision, id: e.id, hash: e.hash });
  }
  const sample = events.length <= 2 ? events : [events[0]!, events[events.length - 1]!];
  for (const event of sample) checks.push(await inclusionCheck(api, event));
  if (sample.length === 0) checks.push({ label: 'Merkle inclusion', ok: true, detail: 'no events in this period to prove' });
  return { manifest, checks };
}

async function inclusionCheck(api: Api, event: LeafFields): Promise<Check> {
  const label = `Event at position ${event.position} is in the signed tree`;
  try {
    const proof = await api.get<InclusionAnswer>(api.t('/audit/transparency/proofs/inclusion'), { eventId: event.id });
    const leaf = await leafHash(eventLeaf(event));
    const root = await rootFromInclusionProof(proof.leafIndex, proof.treeSize, leaf, proof.proof.map(fromBase64));
    const signed = proof.checkpoint ? checkpointBody(proof.checkpoint) : null;
    const computed = root ? toBase64(root) : null;
    const ok = computed !== null && signed !== null && signed.treeSize === proof.treeSize && signed.rootHash === computed;
    return {
      label,
      ok,
      detail: ok
        ? `leaf ${proof.leafIndex} recomputed from the exported event; its audit path gives the root ${computed} of the checkpoint signed for size ${proof.treeSize}`
        : `recomputed root ${computed ?? '(invalid proof)'} does not match the checkpoint (${signed ? `size ${signed.treeSize}, root ${signed.rootHash}` : 'no checkpoint'})`,
    };
  } catch (error) {
    if (error instanceof ApiError && error.routeMissing) return { label, ok: false, detail: 'the transparency API is not available on this server' };
    return { label, ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

function parseManifest(line: string, format: 'jsonl' | 'csv'): Manifest | null {
  try {
    if (format === 'jsonl') {
      const parsed = JSON.parse(line) as Manifest;
      return parsed.kind === 'manifest' ? parsed : null;
    }
    if (!line.startsWith('manifest,')) return null;
    const quoted = line.slice(line.indexOf('"') + 1, line.lastIndexOf('"')).replace(/""/g, '"');
    const parsed = JSON.parse(quoted) as Manifest;
    return parsed.kind === 'manifest' ? parsed : null;
  } catch {
    return null;
  }
}

function StoreStatus({ api, refresh }: { api: Api; refresh: number }) {
  const latest = useLoad(`checkpoint-${refresh}`, (signal) => api.get<Checkpoint>(api.t('/audit/transparency/checkpoints/latest'), undefined, signal));
  const error = latest.error;
  const noneYet = error instanceof ApiError && error.status === 404 && !error.routeMissing;
  return (
    <Section title="Does the store verify?" actions={<Button size="xs" variant="default" onClick={latest.reload}>Refresh</Button>}>
      {latest.loading && <Loading label="Reading the latest signed checkpoint…" />}
      {noneYet ? (
        <Alert color="yellow" role="status" title="No signed checkpoint yet">{(error as ApiError).message}</Alert>
      ) : (
        <ErrorNotice error={error} what="Transparency" feature="Transparency" />
      )}
      {latest.data && (
        <Stack gap="xs" data-testid="checkpoint">
          <Text size="sm">
            <Badge color="green" mr={6}>signed</Badge>
            {`The ledger's Merkle tree of ${latest.data.treeSize} events was signed at ${formatTime(latest.data.time)} with key ${latest.data.keyId}.`}
          </Text>
          <Table withTableBorder aria-label="Latest checkpoint">
            <Table.Tbody>
              <Table.Tr><Table.Th scope="row" w={180}>Origin</Table.Th><Table.Td>{latest.data.origin}</Table.Td></Table.Tr>
              <Table.Tr><Table.Th scope="row">Tree size</Table.Th><Table.Td>{latest.data.treeSize}</Table.Td></Table.Tr>
              <Table.Tr><Table.Th scope="row">Root hash</Table.Th><Table.Td><Code>{latest.data.rootHash}</Code></Table.Td></Table.Tr>
            </Table.Tbody>
          </Table>
          <Text size="sm">
            An export above checks its own bytes and recomputes inclusion proofs of its events against a signed checkpoint here in the
            browser. To check every hash chain and checkpoint signature offline, run <Code>npx scim-ledger verify --store</Code> on the
            data directory, or <Code>npx scim-ledger verify bundle.jsonl --public-key ledger.pem</Code> on a bundle.
          </Text>
        </Stack>
      )}
    </Section>
  );
}

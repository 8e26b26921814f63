import { Alert, Anchor, Badge, Code, Group, Loader, Text, TextInput, Tooltip } from '@mantine/core';
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../api';
import { navigate } from '../router';
import { formatTime, fromPickerValue, toPickerValue } from '../time';

/** An API failure said in words a person can act on. */
export function ErrorNotice({ error, what, feature }: { error: unknown; what?: string; feature?: string }) {
  if (!error) return null;
  if (error instanceof ApiError) {
    if (error.routeMissing && feature) {
      return (
        <Alert color="yellow" title={`${feature} API not available`} role="status">
          This server has no {feature} API ({error.path.split('?')[0]} answered 404). It may be an older version of scim-ledger.
        </Alert>
      );
    }
    if (error.needsAdmin) {
      return (
        <Alert color="orange" title={error.status === 401 ? 'Not allowed with this token' : 'Forbidden'} role="alert">
          {error.message}. {what ? `${what} needs` : 'This needs'} the admin token; auditor tokens read the audit API of their tenant only.
        </Alert>
      );
    }
    return (
      <Alert color="red" title={`${what ? `${what}: ` : ''}HTTP ${error.status}`} role="alert">
        {error.message}
      </Alert>
    );
  }
  return (
    <Alert color="red" title={what ?? 'Error'} role="alert">
      {error instanceof Error ? error.message : String(error)}
    </Alert>
  );
}

export function Loading({ label }: { label: string }) {
  return (
    <Group gap="xs" role="status" aria-live="polite">
      <Loader size="sm" aria-hidden />
      <Text size="sm">{label}</Text>
    </Group>
  );
}

/** A labelled UTC date-time input (seconds precision) bound to an ISO instant. */
export function InstantField({
  label,
  value,
  onChange,
  description,
  id,
}: {
  label: string;
  value: string | null;
  onChange: (iso: string | null) => void;
  description?: string;
  id?: string;
}) {
  return (
    <TextInput
      id={id}
      type="datetime-local"
      step={1}
      label={`${label} (UTC)`}
      description={description}
      value={value ? toPickerValue(value) : ''}
      onChange={(event) => onChange(fromPickerValue(event.currentTarget.value))}
    />
  );
}

export interface EventSource {
  eventId: string;
  eventType: string;
  at: string;
  requestId: string | null;
  correlationId: string | null;
  idp: string | null;
  tokenId: string | null;
  actor: string;
  revision?: number;
}

/** Who set a value: the event, the time, and the request / IdP / token behind it. */
export function Provenance({ source, admin }: { source: EventSource | null | undefined; admin: boolean }) {
  if (!source) return <Text size="sm" c="dimmed">unknown</Text>;
  return (
    <Text size="sm" component="div" className="provenance">
      <Badge variant="light" color="indigo" size="sm" mr={6}>{source.eventType}</Badge>
      <time dateTime={source.at}>{formatTime(source.at)}</time>
      <Text size="xs" c="dimmed" component="div">
        {source.idp ? `IdP ${source.idp}` : source.actor}
        {source.tokenId ? ` · token ${short(source.tokenId)}` : ''}
        {source.correlationId ? (
          <>
            {' · correlation '}
            <CorrelationLink id={source.correlationId} admin={admin} />
          </>
        ) : null}
        {source.requestId ? (
          <>
            {' · request '}
            <RequestLink id={source.requestId} admin={admin} />
          </>
        ) : null}
      </Text>
    </Text>
  );
}

export function short(id: string, length = 8): string {
  return id.length > length + 2 ? `${id.slice(0, length)}…` : id;
}

export function CorrelationLink({ id, admin }: { id: string; admin: boolean }) {
  if (!admin) return <Tooltip label={id}><Code>{short(id)}</Code></Tooltip>;
  return (
    <Anchor
      href={`/console/requests?correlationId=${encodeURIComponent(id)}`}
      onClick={(event) => {
        event.preventDefault();
        navigate(`/requests?correlationId=${encodeURIComponent(id)}`);
      }}
      title={`requests with correlation id ${id}`}
      size="xs"
    >
      {short(id)}
    </Anchor>
  );
}

export function RequestLink({ id, admin }: { id: string; admin: boolean }) {
  if (!admin) return <Tooltip label={id}><Code>{short(id)}</Code></Tooltip>;
  return (
    <Anchor
      href={`/console/requests?requestId=${encodeURIComponent(id)}&escalation=${encodeURIComponent(id)}`}
      onClick={(event) => {
        event.preventDefault();
        navigate(`/requests?requestId=${encodeURIComponent(id)}&escalation=${encodeURIComponent(id)}`);
      }}
      title={`request ${id} and its escalation package`}
      size="xs"
    >
      {short(id)}
    </Anchor>
  );
}

/** Runs an async load when its key changes; the latest call wins. */
export function useLoad<T>(key: string | null, load: (signal: AbortSignal) => Promise<T>) {
  const [state, setState] = useState<{ key: string | null; data: T | null; error: unknown; loading: boolean }>({ key: null, data: null, error: null, loading: false });
  const loader = useRef(load);
  loader.current = load;
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (key === null) {
      setState({ key, data: null, error: null, loading: false });
      return;
    }
    const controller = new AbortController();
    setState((s) => ({ key, data: s.key === key ? s.data : null, error: null, loading: true }));
    loader.current(controller.signal).then(
      (data) => !controller.signal.aborted && setState({ key, data, error: null, loading: false }),
      (error: unknown) => !controller.signal.aborted && setState({ key, data: null, error, loading: false }),
    );
    return () => controller.abort();
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  const id = `section-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section aria-labelledby={id} className="section">
      <Group justify="space-between" align="center" mb="xs">
        <h2 id={id} className="section-title">{title}</h2>
        {actions}
      </Group>
      {children}
    </section>
  );
}

/** Renders any value of a SCIM resource compactly. */
export function ValueText({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <Text size="sm" c="dimmed">—</Text>;
  if (typeof value === 'boolean') return <Badge color={value ? 'green' : 'gray'} variant="light">{String(value)}</Badge>;
  if (typeof value === 'string' || typeof value === 'number') return <Text size="sm" className="value">{String(value)}</Text>;
  return <Code block className="value-json">{JSON.stringify(value, null, 2)}</Code>;
}

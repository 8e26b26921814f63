import { Alert, AppShell, Badge, Button, Group, NativeSelect, NavLink, PasswordInput, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { Suspense, lazy, useEffect, useMemo, useState, type FormEvent } from 'react';
import { Api, ApiError, loadSession, saveSession, type Session } from './api';
import { EvidencePage } from './pages/EvidencePage';
import { GroupPage } from './pages/GroupPage';
import { UserPage } from './pages/UserPage';
import { match, navigate, useLocation } from './router';
import { Loading } from './components/common';

// The chart library is only needed by these two pages: load it when one is opened.
const SlaPage = lazy(() => import('./pages/SlaPage').then((m) => ({ default: m.SlaPage })));
const RequestsPage = lazy(() => import('./pages/RequestsPage').then((m) => ({ default: m.RequestsPage })));

const PAGES = [
  { path: '/users', label: 'Users', title: 'User' },
  { path: '/groups', label: 'Groups', title: 'Group' },
  { path: '/sla', label: 'SLA', title: 'SLA' },
  { path: '/requests', label: 'Requests', title: 'Requests' },
  { path: '/evidence', label: 'Evidence', title: 'Evidence' },
] as const;

export function App() {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const api = useMemo(() => (session ? new Api(session) : null), [session]);
  const signOut = () => {
    saveSession(null);
    setSession(null);
  };
  if (!session || !api) {
    return (
      <SignIn
        onSignedIn={(next) => {
          saveSession(next);
          setSession(next);
        }}
      />
    );
  }
  return <Shell api={api} onSignOut={signOut} onTenant={(tenant) => {
    const next = { ...session, tenant };
    saveSession(next);
    setSession(next);
  }} />;
}

function Shell({ api, onSignOut, onTenant }: { api: Api; onSignOut: () => void; onTenant: (tenant: string) => void }) {
  const location = useLocation();
  const current = PAGES.find((p) => location.path === p.path || location.path.startsWith(`${p.path}/`));
  useEffect(() => {
    if (location.path === '/' || !current) navigate('/users', { replace: true });
  }, [location.path, current]);
  useEffect(() => {
    document.title = `${current?.title ?? 'Console'} · ${api.tenant} · scim-ledger`;
  }, [current, api.tenant]);

  const admin = api.session.role === 'admin';
  const userParams = match('/users/:id', location.path);
  const groupParams = match('/groups/:id', location.path);
  const caseParams = match('/sla/cases/:caseId', location.path);

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 200, breakpoint: 'xs' }} padding="md">
      <a className="skip-link" href="#main">Skip to content</a>
      <AppShell.Header px="md">
        <Group h="100%" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Title order={1} size="h4">scim-ledger console</Title>
            <Badge color={admin ? 'indigo' : 'teal'} variant="light">{admin ? 'admin' : 'auditor'}</Badge>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <TenantSwitch api={api} onTenant={onTenant} />
            <Button variant="default" size="xs" onClick={onSignOut}>Sign out</Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Console pages">
        {PAGES.map((page) => (
          <NavLink
            key={page.path}
            href={`/console${page.path}`}
            label={page.label}
            active={current?.path === page.path}
            aria-current={current?.path === page.path ? 'page' : undefined}
            onClick={(event) => {
              event.preventDefault();
              navigate(page.path);
            }}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading label="Loading the page…" />}>
          {current?.path === '/users' && <UserPage key={api.tenant} api={api} userId={userParams?.['id'] ?? null} query={location.query} />}
          {current?.path === '/groups' && <GroupPage key={api.tenant} api={api} groupId={groupParams?.['id'] ?? null} query={location.query} />}
          {current?.path === '/sla' && <SlaPage key={api.tenant} api={api} caseId={caseParams?.['caseId'] ?? null} query={location.query} />}
          {current?.path === '/requests' && <RequestsPage key={api.tenant} api={api} query={location.query} />}
          {current?.path === '/evidence' && <EvidencePage key={api.tenant} api={api} />}
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}

function TenantSwitch({ api, onTenant }: { api: Api; onTenant: (tenant: string) => void }) {
  const [tenants, setTenants] = useState<string[]>([api.tenant]);
  useEffect(() => {
    if (api.session.role !== 'admin') return;
    api.get<{ tenants: Array<{ tenantId: string }> }>('/admin/tenants').then(
      (answer) => setTenants([...new Set([api.tenant, ...answer.tenants.map((t) => t.tenantId)])].sort()),
      () => undefined,
    );
  }, [api]);
  if (tenants.length <= 1) return <Text size="sm">Tenant <strong>{api.tenant}</strong></Text>;
  return (
    <NativeSelect
      aria-label="Tenant"
      size="xs"
      data={tenants}
      value={api.tenant}
      onChange={(event) => onTenant(event.currentTarget.value)}
    />
  );
}

function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [token, setToken] = useState('');
  const [tenant, setTenant] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const probe = new Api({ token: token.trim(), tenant: tenant.trim(), role: 'auditor' });
      await probe.get(probe.t('/audit/changes'), { count: 1 });
      const admin = await probe.get('/admin/tenants').then(() => true, () => false);
      onSignedIn({ token: token.trim(), tenant: tenant.trim(), role: admin ? 'admin' : 'auditor' });
    } catch (caught) {
      if (caught instanceof ApiError) {
        setError(caught.status === 404 ? `tenant "${tenant.trim()}" does not exist (${caught.message})` : caught.message);
      } else {
        setError(caught instanceof Error ? caught.message : String(caught));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main">
      <Paper maw={440} mx="auto" mt={80} p="xl" withBorder shadow="sm">
        <form onSubmit={submit} aria-labelledby="sign-in-title">
          <Stack>
            <Title order={1} size="h3" id="sign-in-title">scim-ledger console</Title>
            <Text size="sm">
              Sign in with the admin token or an auditor token (<code>aud_…</code>) of the tenant. The token stays in this
              browser tab only (session storage) and is sent as a bearer token with every API call.
            </Text>
            <TextInput label="Tenant" required value={tenant} onChange={(e) => setTenant(e.currentTarget.value)} autoComplete="off" />
            <PasswordInput label="Token" required value={token} onChange={(e) => setToken(e.currentTarget.value)} autoComplete="off" />
            {error && <Alert color="red" role="alert" title="Sign-in failed">{error}</Alert>}
            <Button type="submit" loading={busy}>Sign in</Button>
          </Stack>
        </form>
      </Paper>
    </main>
  );
}

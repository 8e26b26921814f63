import 'reflect-metadata';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { ENTERPRISE, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, startHarness, type Harness } from '../../apps/ledger/test/ledger-harness';
import { ensureConsoleBuilt } from './console-build';

/**
 * The console in headless Chromium (Debian's chromium package) against the real service: an
 * auditor's and an on-call engineer's paths through it. Screenshots of every page land in
 * dist/test-artifacts/console; with UPDATE_SCREENSHOTS=1 they are also copied to
 * docs/screenshots for the README.
 */
const ROOT = resolve(__dirname, '../..');
const ARTIFACTS = join(ROOT, 'dist/test-artifacts/console');
const DOCS = join(ROOT, 'docs/screenshots');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const TENANT = 'acme';
const WAIT = 15_000;

let h: Harness;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const seeded: {
  aliceId?: string;
  bobId?: string;
  groupId?: string;
  provisioned?: { at: string; requestId: string };
  retitled?: { at: string };
  conflictRequestId?: string;
  bobCaseId?: string;
  slaProblem?: string;
} = {};

/** Full-page and laptop-screen shots; the README gets the full page unless a drawer covers the screen. */
async function shoot(name: string, forDocs: 'full' | 'screen' = 'full'): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const full = join(ARTIFACTS, `${name}-full.png`);
  const screen = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: full, fullPage: true });
  await page.screenshot({ path: screen });
  if (process.env['UPDATE_SCREENSHOTS'] === '1') {
    mkdirSync(DOCS, { recursive: true });
    copyFileSync(forDocs === 'full' ? full : screen, join(DOCS, `console-${name}.png`));
  }
}

/** Waits until the locator holds the text; fails with what it held instead. */
async function waitForText(locator: Locator, text: string | RegExp, timeout = WAIT): Promise<void> {
  try {
    await locator.filter({ hasText: text }).first().waitFor({ timeout });
  } catch {
    const seen = (await locator.allInnerTexts().catch(() => [])).join(' | ').slice(0, 800);
    throw new Error(`expected ${String(text)} in ${locator.toString()}; it showed: ${seen || '(nothing)'}`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function seed(): Promise<void> {
  const { token } = await h.tenantWithToken(TENANT, 'entra');
  const policy = await h.admin('PUT', `/admin/tenants/${TENANT}/sla-policy`, {
    leaver: { windowSeconds: 1, severity: 'critical', scope: 'all', privilegedGroups: [] },
    routes: [{ type: 'log' }],
  });
  if (policy.status !== 200 && policy.status !== 201) seeded.slaProblem = `PUT /admin/tenants/${TENANT}/sla-policy answered ${policy.status}: ${JSON.stringify(policy.body)}`;

  const alice = await h.scim(token, 'POST', `/tenants/${TENANT}/scim/v2/Users`, {
    schemas: [USER_SCHEMA, ENTERPRISE],
    userName: 'alice@example.com',
    externalId: 'ext-alice',
    name: { givenName: 'Alice', familyName: 'Adams' },
    title: 'Analyst',
    active: true,
    emails: [{ value: 'alice@example.com', type: 'work', primary: true }],
    [ENTERPRISE]: { department: 'Finance' },
  });
  expect(alice.status).toBe(201);
  seeded.aliceId = alice.body.id;
  // The picker has whole seconds: keep more than a second between the two values of title.
  await sleep(1300);
  const retitle = await h.scim(token, 'PATCH', `/tenants/${TENANT}/scim/v2/Users/${seeded.aliceId}`, {
    schemas: [PATCH_OP],
    Operations: [{ op: 'replace', path: 'title', value: 'Controller' }],
  });
  expect(retitle.status).toBe(200);

  const bob = await h.scim(token, 'POST', `/tenants/${TENANT}/scim/v2/Users`, {
    schemas: [USER_SCHEMA], userName: 'bob@example.com', externalId: 'ext-bob', title: 'Trader', active: true,
  });
  expect(bob.status).toBe(201);
  seeded.bobId = bob.body.id;
  const group = await h.scim(token, 'POST', `/tenants/${TENANT}/scim/v2/Groups`, {
    schemas: [GROUP_SCHEMA], displayName: 'finance-admins', members: [{ value: seeded.aliceId }, { value: seeded.bobId }],
  });
  expect(group.status).toBe(201);
  seeded.groupId = group.body.id;

  // An IdP retry that collides, and a wrong token: what the request ledger is for.
  const duplicate = await h.scim(token, 'POST', `/tenants/${TENANT}/scim/v2/Users`, { schemas: [USER_SCHEMA], userName: 'ALICE@example.com' });
  expect(duplicate.status).toBe(409);
  seeded.conflictRequestId = duplicate.headers.get('x-request-id') ?? undefined;
  await h.scim('scim_not-a-real-token-000000000000', 'GET', `/tenants/${TENANT}/scim/v2/Users`);

  // Bob leaves: deactivated by the IdP but still in finance-admins when the 1 s window ends.
  const leave = await h.scim(token, 'PATCH', `/tenants/${TENANT}/scim/v2/Users/${seeded.bobId}`, {
    schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }],
  });
  expect(leave.status).toBe(200);

  const history = await h.admin('GET', `/tenants/${TENANT}/audit/users/${seeded.aliceId}/history`);
  const events = history.body.Resources as Array<{ type: string; recordedAt: string; metadata: { requestId: string } }>;
  const provisioned = events.find((e) => e.type === 'UserProvisioned')!;
  const changed = events.find((e) => e.type === 'UserAttributesChanged')!;
  seeded.provisioned = { at: provisioned.recordedAt, requestId: provisioned.metadata.requestId };
  seeded.retitled = { at: changed.recordedAt };

  const signed = await h.admin('POST', '/transparency/checkpoints');
  expect(signed.status).toBeLessThan(300);

  if (!seeded.slaProblem) seeded.bobCaseId = await waitForBreach(seeded.bobId!);
}

async function waitForBreach(userId: string): Promise<string | undefined> {
  const deadline = Date.now() + WAIT;
  for (;;) {
    const answer = await h.admin('GET', `/tenants/${TENANT}/sla/cases?status=breached`);
    if (answer.status !== 200) {
      seeded.slaProblem = `SLA API not available: GET /tenants/${TENANT}/sla/cases answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`;
      return undefined;
    }
    const found = (answer.body.cases as Array<{ caseId: string; user: { id: string } }>).find((c) => c.user.id === userId);
    if (found) return found.caseId;
    if (Date.now() > deadline) {
      seeded.slaProblem = `no breached leaver case for bob within ${WAIT} ms of a 1 s window`;
      return undefined;
    }
    await sleep(200);
  }
}

async function open(path: string): Promise<void> {
  await page.goto(`${h.url}/console${path}`);
}

beforeAll(async () => {
  await ensureConsoleBuilt();
  h = await startHarness();
  await seed();
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  context = await browser.newContext({ viewport: { width: 1366, height: 768 }, timezoneId: 'UTC', locale: 'en-GB' });
  page = await context.newPage();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
}, 60_000);

describe('the console in a browser', () => {
  it('signs in with the admin token, using only the keyboard', async () => {
    await open('/');
    await page.getByLabel('Tenant').waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.type(TENANT);
    await page.keyboard.press('Tab');
    await page.keyboard.type(h.ledger.adminToken);
    await page.keyboard.press('Enter');
    await page.getByRole('navigation', { name: 'Console pages' }).waitFor({ timeout: WAIT });
    expect(await page.evaluate('window.sessionStorage.length')).toBe(1);
    expect(new URL(page.url()).pathname).toBe('/console/users');
  }, 60_000);

  it('looks a user up by userName and shows each attribute with its provenance', async () => {
    await page.getByLabel('Find by').selectOption('userName');
    await page.getByLabel('Value').fill('alice@example.com');
    await page.getByRole('button', { name: 'Look up' }).click();
    const title = page.locator('[data-attribute="title"]');
    await waitForText(title, 'Controller');
    await waitForText(title, 'UserAttributesChanged');
    await waitForText(page.getByTestId('timeline'), 'Provisioned as alice@example.com');
    await waitForText(page.getByTestId('timeline'), 'Added to group finance-admins');
    await page.getByRole('group', { name: 'Group memberships over time' }).waitFor();
  }, 60_000);

  it('moves the time picker to before the change and shows the old value with where it came from', async () => {
    const { provisioned, retitled } = seeded;
    // A whole second after the user was provisioned and before the title changed.
    const instant = new Date(Math.ceil(Date.parse(provisioned!.at) / 1000) * 1000);
    expect(instant.getTime()).toBeLessThan(Date.parse(retitled!.at));
    await page.locator('#user-at').fill(instant.toISOString().slice(0, 19));
    const title = page.locator('[data-attribute="title"]');
    await waitForText(title, 'Analyst');
    await waitForText(title, 'UserProvisioned');
    await waitForText(title, 'IdP entra');
    await waitForText(title, provisioned!.requestId.slice(0, 8));
    expect(new URL(page.url()).searchParams.get('at')).toBe(instant.toISOString());
    await waitForText(page.getByRole('heading', { level: 2 }), `State at ${instant.toISOString().slice(0, 10)}`);
    await shoot('user');
  }, 60_000);

  it('shows a group\'s members at an instant and its changes', async () => {
    await open(`/groups/${seeded.groupId}`);
    const members = page.getByTestId('members');
    await waitForText(members, 'alice@example.com');
    await waitForText(members, 'bob@example.com');
    await waitForText(page.getByTestId('group-changes'), 'GroupCreated');
    await shoot('group');
  }, 60_000);

  it('opens the breached leaver case and shows its timeline', async () => {
    if (seeded.slaProblem) throw new Error(seeded.slaProblem);
    await open('/sla?tab=breaches');
    const breaches = page.getByTestId('breaches');
    await waitForText(breaches, 'bob@example.com');
    await breaches.getByRole('button', { name: /Timeline of bob@example.com's leaver case/ }).click();
    const timeline = page.getByTestId('case-timeline');
    await waitForText(timeline, 'SlaCaseOpened');
    await waitForText(timeline, 'idpDeactivated');
    await waitForText(timeline, 'SlaBreached');
    await waitForText(page.getByRole('alert').or(page.getByRole('status')), 'finance-admins');
    expect(new URL(page.url()).pathname).toBe(`/console/sla/cases/${seeded.bobCaseId}`);
    await shoot('sla-case');
    await open('/sla?tab=compliance');
    await page.getByTestId('compliance-chart').locator('svg').first().waitFor({ timeout: WAIT });
    await shoot('sla');
  }, 60_000);

  it('filters the request ledger and opens the escalation package in one click', async () => {
    await open('/requests');
    await page.getByLabel('Status').fill('409');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    const requests = page.getByTestId('requests');
    await waitForText(requests, 'uniqueness');
    expect(new URL(page.url()).searchParams.get('status')).toBe('409');
    await page.getByTestId('success-chart').locator('svg').first().waitFor({ timeout: WAIT });
    await shoot('requests');
    await requests.getByRole('button', { name: /Escalation package of POST/ }).first().click();
    const escalation = page.getByTestId('escalation');
    await waitForText(escalation, seeded.conflictRequestId!);
    await waitForText(escalation, 'ALICE@example.com');
    await shoot('requests-escalation', 'screen');
    await page.keyboard.press('Escape');
    await page.getByTestId('escalation').waitFor({ state: 'detached', timeout: WAIT });
  }, 60_000);

  it('exports a period as a bundle with progress, and checks it against the signed tree', async () => {
    await open('/evidence');
    await waitForText(page.getByTestId('checkpoint'), 'signed');
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await page.getByTestId('export-progress').waitFor({ timeout: WAIT });
    const checks = page.getByTestId('bundle-checks');
    await waitForText(checks, 'Bundle is intact');
    expect(await checks.innerText()).not.toContain('failed');
    await waitForText(checks, 'is in the signed tree');
    await waitForText(page.getByTestId('manifest'), 'user snapshots');
    await shoot('evidence');
  }, 60_000);

  it('lets an auditor token read the audit pages and says what needs the admin token', async () => {
    const issued = await h.admin('POST', `/admin/tenants/${TENANT}/auditors`, { name: 'external-audit' });
    expect(issued.status).toBe(201);
    const auditor = await browser.newContext({ viewport: { width: 1366, height: 768 }, timezoneId: 'UTC' });
    const other = await auditor.newPage();
    try {
      await other.goto(`${h.url}/console/users/${seeded.aliceId}`);
      await other.getByLabel('Tenant').fill(TENANT);
      await other.getByLabel('Token').fill(issued.body.token);
      await other.getByRole('button', { name: 'Sign in' }).click();
      await other.getByText('auditor', { exact: true }).waitFor({ timeout: WAIT });
      await waitForText(other.locator('[data-attribute="title"]'), 'Controller');
      await other.goto(`${h.url}/console/requests`);
      await waitForText(other.getByRole('alert'), 'needs the admin token');
    } finally {
      await auditor.close();
    }
  }, 60_000);
});

import { EVENT_TYPES, STREAM_CATEGORIES } from '@ledger/domain';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, type Harness } from './ledger-harness';

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: { type?: string; enum?: unknown[]; minimum?: number; maximum?: number; items?: { enum?: unknown[] } };
}
interface Operation {
  parameters?: Parameter[];
  security?: Array<Record<string, string[]>>;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  security?: Array<Record<string, string[]>>;
  components: { securitySchemes: Record<string, { type: string; scheme?: string; bearerFormat?: string; description?: string }>; schemas: Record<string, unknown> };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];
/** Routes that take no token: probes, scrapers and the public keys auditors pin. */
const OPEN = ['GET /health', 'GET /health/live', 'GET /health/ready', 'GET /metrics', 'GET /transparency/public-key', 'GET /transparency/public-keys'];
const AUDIT = '/tenants/{tenant}/audit/';
const HISTORY = ['from', 'to', 'type', 'count', 'cursor'];
/** The query parameters each audit route reads (audit.controller.ts, requests.controller.ts). */
const AUDIT_QUERY: Record<string, string[]> = {
  'users/{id}/state': ['at'],
  'users/{id}/access': ['at'],
  'users/{id}/history': HISTORY,
  'users/{id}/membership-history': ['count', 'cursor'],
  'users/{id}/attribute-history': ['attribute', 'count', 'cursor'],
  'users/by-username/{value}/{view}': ['at', ...HISTORY],
  'users/by-external-id/{value}/{view}': ['at', ...HISTORY],
  'groups/{id}/members': ['at', 'startIndex', 'count', 'effective'],
  'groups/{id}/history': HISTORY,
  changes: ['from', 'to', 'type', 'category', 'count', 'cursor'],
  drift: ['staleDays', 'from', 'to', 'count', 'list', 'startIndex'],
  export: ['from', 'to', 'format'],
  requests: ['requestId', 'correlationId', 'tokenId', 'scimType', 'status', 'from', 'to', 'count', 'startIndex'],
  'requests/{requestId}/escalation': [],
};

function operations(doc: Document) {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).filter(([method]) => METHODS.includes(method)).map(([method, op]) => ({ path, method, op, key: `${method.toUpperCase()} ${path}` })));
}

/** A concrete URL for a templated path: the admin token's tenant, a valid view, placeholder ids. */
const concrete = (path: string) => path.replace('{tenant}', 'acme').replace('{view}', 'history').replace(/\{[^}]+\}/g, 'x');

describe('OpenAPI description of the admin and audit APIs', () => {
  let h: Harness;
  let doc: Document;
  beforeAll(async () => {
    h = await startHarness();
    await h.tenantWithToken('acme');
    doc = (await (await fetch(`${h.url}/docs/openapi.json`)).json()) as Document;
  });
  afterAll(async () => {
    await h.close();
  });

  it('is served at /docs and matches the committed apps/ledger/openapi.json (run `npm run openapi` after changing an endpoint)', async () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8'));
    expect(doc).toEqual(committed);
    expect((await fetch(`${h.url}/docs`)).status).toBe(200);
  });

  it('describes the interfaces others rely on, and no SCIM route', () => {
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health', '/admin/tenants', '/admin/tenants/{tenant}/tokens', '/admin/tenants/{tenant}/tokens/{id}']));
    expect(Object.keys(doc.paths).filter((p) => p.includes('/scim/'))).toEqual([]);
  });

  it('declares every {param} of a path as a required path parameter of each of its operations (OpenAPI 3 requires it)', () => {
    const mismatches = operations(doc).flatMap(({ path, op, key }) => {
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!).sort();
      const declared = (op.parameters ?? []).filter((p) => p.in === 'path' && p.required === true).map((p) => p.name).sort();
      return JSON.stringify(templated) === JSON.stringify(declared) ? [] : [`${key}: path has ${templated.join(',')}, declared ${declared.join(',')}`];
    });
    expect(mismatches).toEqual([]);
  });

  it('has one opaque bearer scheme (no JWT format) that says which token each API takes', () => {
    const bearer = doc.components.securitySchemes['bearer']!;
    expect(bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(bearer.bearerFormat).toBeUndefined();
    for (const token of ['ADMIN_TOKEN', 'aud_', 'scim_', '/tenants/{tenant}/audit/', '/admin/']) expect(bearer.description).toContain(token);
  });

  it('requires the bearer token on every operation but the open ones, as the guards do', async () => {
    const ops = operations(doc);
    const secured = (op: Operation) => (op.security ?? doc.security ?? []).some((requirement) => 'bearer' in requirement);
    expect(ops.filter(({ op }) => !secured(op)).map(({ key }) => key).sort()).toEqual([...OPEN].sort());
    // The document is only worth trusting if the server agrees: without a token, secured routes answer 401 and open ones do not.
    const disagreements: string[] = [];
    for (const { path, method, op, key } of ops) {
      const { status } = await fetch(`${h.url}${concrete(path)}`, { method: method.toUpperCase() });
      if ((status === 401) !== secured(op)) disagreements.push(`${key}: ${status} without a token`);
    }
    expect(disagreements).toEqual([]);
  });

  it('resolves every $ref to a component schema', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.filter((name) => !(name in doc.components.schemas))).toEqual([]);
  });

  it('audit routes: every query parameter, typed and bounded as the server enforces, and the answers and errors an auditor relies on', async () => {
    const documented = Object.keys(doc.paths).filter((p) => p.startsWith(AUDIT) && !p.startsWith(`${AUDIT}transparency/`)).map((p) => p.slice(AUDIT.length));
    expect(documented.sort()).toEqual(Object.keys(AUDIT_QUERY).sort());
    const wrong: string[] = [];
    for (const [route, query] of Object.entries(AUDIT_QUERY)) {
      const path = `${AUDIT}${route}`;
      const op = doc.paths[path]!['get']!;
      const params = (op.parameters ?? []).filter((p) => p.in === 'query');
      if (JSON.stringify(params.map((p) => p.name).sort()) !== JSON.stringify([...query].sort())) wrong.push(`${route}: query ${params.map((p) => p.name).join(',')}`);
      if (!Object.values(op.responses['200']?.content ?? {}).some((media) => media.schema)) wrong.push(`${route}: 200 has no schema`);
      for (const status of ['401', '403', '404']) if (!op.responses[status]) wrong.push(`${route}: no ${status}`);
      if (query.length > 0 && !op.responses['400']) wrong.push(`${route}: no 400`);
      for (const p of params) {
        if (p.name === 'type' && JSON.stringify(p.schema?.items?.enum) !== JSON.stringify(EVENT_TYPES)) wrong.push(`${route}: type is not EVENT_TYPES`);
        if (p.name === 'category' && JSON.stringify(p.schema?.items?.enum) !== JSON.stringify(STREAM_CATEGORIES)) wrong.push(`${route}: category is not STREAM_CATEGORIES`);
        // A documented bound the server does not enforce (or a different one) misleads every client generated from it.
        const outside = [
          ...(p.schema?.maximum !== undefined ? [String(p.schema.maximum + 1)] : []),
          ...(p.schema?.minimum !== undefined ? [String(p.schema.minimum - 1)] : []),
          ...(p.schema?.enum ? ['not-a-listed-value'] : []),
        ];
        for (const value of outside) {
          const response = await h.admin('GET', `${concrete(path)}?${p.name}=${encodeURIComponent(value)}`);
          if (response.status !== 400) wrong.push(`${route}: ${p.name}=${value} answered ${response.status}, not 400`);
        }
      }
    }
    expect(wrong).toEqual([]);
    const views = doc.paths[`${AUDIT}users/by-username/{value}/{view}`]!['get']!.parameters!.find((p) => p.name === 'view');
    expect(views?.schema?.enum).toEqual(['state', 'access', 'history', 'membership-history']);
  });
});

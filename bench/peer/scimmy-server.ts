/**
 * The peer: a SCIM 2.0 server as SCIMMY's documentation sets one up (SCIMMY resource types with
 * ingress / egress / degress handlers, mounted with scimmy-routers on Express), over an
 * in-memory back end (a Map per resource type). Users and Groups get the one check any real
 * back end has, unique userName / displayName (409 uniqueness), through a Map index, so both
 * servers refuse the same duplicates. No durability, no history: this is the speed of parsing,
 * validating and answering SCIM, which is what the ledger adds its log to.
 *
 *   PORT=3100 PEER_TOKEN=secret node <build>/bench/peer/scimmy-server.js
 */
import express from 'express';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';
import { randomUUID } from 'node:crypto';

type Stored = Record<string, unknown> & { id: string; meta: { created: string; lastModified: string } };

const port = Number(process.env['PORT'] ?? 3100);
const expectedToken = process.env['PEER_TOKEN'] ?? 'peer-token';

/** One resource type's store: records by id and a case-insensitive unique-name index. */
function memoryBackEnd(uniqueAttribute: 'userName' | 'displayName') {
  const records = new Map<string, Stored>();
  const byName = new Map<string, string>();

  const ingress = (resource: { id?: string }, instance: Record<string, unknown>): Stored => {
    const name = String(instance[uniqueAttribute] ?? '').toLowerCase();
    const holder = byName.get(name);
    if (holder !== undefined && holder !== resource.id) {
      throw new SCIMMY.Types.Error(409, 'uniqueness', `${uniqueAttribute} ${instance[uniqueAttribute]} is already in use`);
    }
    const now = new Date().toISOString();
    if (resource.id) {
      const existing = records.get(resource.id);
      if (!existing) throw new SCIMMY.Types.Error(404, null as never, `Resource ${resource.id} not found`);
      const previousName = String(existing[uniqueAttribute] ?? '').toLowerCase();
      if (previousName !== name) byName.delete(previousName);
      const updated: Stored = { ...plain(instance), id: resource.id, meta: { created: existing.meta.created, lastModified: now } };
      records.set(resource.id, updated);
      byName.set(name, resource.id);
      return updated;
    }
    const id = randomUUID();
    const created: Stored = { ...plain(instance), id, meta: { created: now, lastModified: now } };
    records.set(id, created);
    byName.set(name, id);
    return created;
  };

  const egress = (resource: { id?: string; filter?: { match(values: unknown[]): unknown[] } }): Stored | Stored[] => {
    if (resource.id) {
      const found = records.get(resource.id);
      if (!found) throw new SCIMMY.Types.Error(404, null as never, `Resource ${resource.id} not found`);
      return found;
    }
    const all = [...records.values()];
    return resource.filter ? (resource.filter.match(all) as Stored[]) : all;
  };

  const degress = (resource: { id?: string }): void => {
    const found = resource.id ? records.get(resource.id) : undefined;
    if (!found) throw new SCIMMY.Types.Error(404, null as never, `Resource ${resource.id} not found`);
    records.delete(found.id);
    byName.delete(String(found[uniqueAttribute] ?? '').toLowerCase());
  };

  return { ingress, egress, degress };
}

/** The schema-validated instance, as plain JSON (what a handler would hand to its database). */
function plain(instance: Record<string, unknown>): Record<string, unknown> {
  const { schemas: _schemas, id: _id, meta: _meta, ...rest } = JSON.parse(JSON.stringify(instance)) as Record<string, unknown>;
  return rest;
}

SCIMMY.Resources.declare(SCIMMY.Resources.User, memoryBackEnd('userName') as never);
SCIMMY.Resources.declare(SCIMMY.Resources.Group, memoryBackEnd('displayName') as never);

const app = express();
app.disable('x-powered-by');
app.disable('etag');
app.get('/health', (_request, response) => {
  response.status(200).json({ status: 'ok' });
});
app.use(
  '/scim/v2',
  new SCIMMYRouters({
    type: 'bearer',
    docUri: 'https://example.com/help/bearer.html',
    handler: (request: express.Request) => {
      if (request.header('Authorization') !== `Bearer ${expectedToken}`) throw new Error('Authorization not detected!');
      return 'bench';
    },
  }) as unknown as express.Router,
);

app.listen(port, '127.0.0.1', () => {
  process.stdout.write(`scimmy peer listening on http://127.0.0.1:${port}\n`);
});

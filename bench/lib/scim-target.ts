import type autocannon from 'autocannon';
import { runLoad, type LoadResult } from './load';
import { JSON_HEADERS, nextPatchBody, nextUserBody } from './scim-payloads';
import type { ServerProcess } from './server-process';

/** A SCIM server under load: the service or the peer, driven with the same requests. */
export interface ScimTarget {
  name: string;
  url: string;
  /** SCIM base path, e.g. /tenants/bench/scim/v2 */
  base: string;
  token: string;
  rssMb(): number;
  /** Resolves once the server is idle (see ServerProcess.waitIdle). */
  waitIdle(): Promise<unknown>;
  /** Ids and userNames of users this bench created on it, in creation order (PATCH targets). */
  userIds: string[];
  userNames: string[];
}

export function scimTarget(name: string, server: ServerProcess, base: string, token: string): ScimTarget {
  return { name, url: server.url, base, token, rssMb: () => server.rssMb(), waitIdle: () => server.waitIdle(), userIds: [], userNames: [] };
}

const ID = /"id"\s*:\s*"([^"]+)"/;
const USER_NAME = /"userName"\s*:\s*"([^"]+)"/;

export function headersOf(target: ScimTarget): Record<string, string> {
  return { authorization: `Bearer ${target.token}`, ...JSON_HEADERS };
}

/** POST /Users with a new userName each request; created ids are kept for later PATCHes. */
export function createUsers(target: ScimTarget, connections: number, seconds: number, amount?: number): Promise<LoadResult> {
  const request: autocannon.RequestSpec = {
    method: 'POST',
    path: `${target.base}/Users`,
    setupRequest: (req) => ({ ...req, body: nextUserBody() }),
    onResponse: (status, body) => {
      if (status !== 201) return;
      const match = ID.exec(body);
      const name = USER_NAME.exec(body);
      if (match && name) {
        target.userIds.push(match[1]!);
        target.userNames.push(name[1]!);
      }
    },
  };
  return runLoad({ url: target.url, connections, seconds, amount, headers: headersOf(target), requests: [request], rssMb: () => target.rssMb(), before: () => target.waitIdle() });
}

/**
 * PATCH /Users/{id} (replace title and name.givenName), cycling through the users created so far
 * so that concurrent requests do not hit the same user (which would measure conflicts instead).
 */
export function patchUsers(target: ScimTarget, connections: number, seconds: number, body: () => string = nextPatchBody, pool = target.userIds): Promise<LoadResult> {
  if (pool.length === 0) throw new Error(`${target.name}: no users to PATCH`);
  let next = 0;
  const request: autocannon.RequestSpec = {
    method: 'PATCH',
    setupRequest: (req) => ({ ...req, path: `${target.base}/Users/${pool[next++ % pool.length]}`, body: body() }),
  };
  return runLoad({ url: target.url, connections, seconds, headers: headersOf(target), requests: [request], rssMb: () => target.rssMb(), before: () => target.waitIdle() });
}

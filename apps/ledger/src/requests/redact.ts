import { createHash } from 'node:crypto';

const SECRET_KEY = /pass(word)?|secret|token|credential|api[-_]?key|authorization/i;
export const REDACTED = '[REDACTED]';
const MAX_KEPT_BYTES = 64 * 1024;

/** Replaces every value whose key names a secret, at any depth, including PATCH values and paths. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  // A PATCH operation carries the attribute in `path`: {"op":"replace","path":"password","value":"..."}.
  const pathNamesSecret = typeof record['path'] === 'string' && SECRET_KEY.test(record['path'] as string);
  const result: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(record)) {
    if (SECRET_KEY.test(key) || (pathNamesSecret && key === 'value')) result[key] = inner === undefined || inner === null ? inner : REDACTED;
    else result[key] = redactSecrets(inner);
  }
  return result;
}

/** The ledger's own credentials (scim_, aud_, adm_ and base64url characters), wherever they turn up. */
const LEDGER_SECRET = /\b(?:scim|aud|adm)_[A-Za-z0-9_-]{20,}/;

/**
 * The query string as the ledger keeps it: parameters named like a secret (`access_token=`,
 * `password=`) and anything shaped like one of the ledger's tokens are replaced, as in bodies.
 * An IdP misconfigured to send its token in the URL must not write it into the log for good.
 */
export function ledgerQuery(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals < 0) return redactShaped(pair);
      const key = pair.slice(0, equals);
      if (SECRET_KEY.test(decoded(key))) return `${key}=${encodeURIComponent(REDACTED)}`;
      return `${redactShaped(key)}=${redactShaped(pair.slice(equals + 1))}`;
    })
    .join('&');
}

function redactShaped(raw: string): string {
  const text = decoded(raw);
  return LEDGER_SECRET.test(text) ? encodeURIComponent(text.replace(new RegExp(LEDGER_SECRET.source, 'g'), REDACTED)) : raw;
}

function decoded(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/** The body as the ledger keeps it: redacted, and cut past 64 KiB (its hash still identifies it). */
export function ledgerBody(body: unknown): { body: unknown; truncated: boolean; sha256: string | null } {
  if (body === undefined || body === null || (typeof body === 'object' && Object.keys(body as object).length === 0 && !Array.isArray(body))) {
    return { body: null, truncated: false, sha256: null };
  }
  const redacted = redactSecrets(body);
  const text = JSON.stringify(redacted);
  const sha256 = createHash('sha256').update(text).digest('hex');
  if (Buffer.byteLength(text) <= MAX_KEPT_BYTES) return { body: redacted, truncated: false, sha256 };
  return { body: summarise(redacted), truncated: true, sha256 };
}

/** Keeps the shape of a large body (operations, counts) without every member id. */
function summarise(body: unknown): unknown {
  if (Array.isArray(body)) return { items: body.length, first: body.slice(0, 5).map(summarise) };
  if (body === null || typeof body !== 'object') return typeof body === 'string' && body.length > 200 ? `${body.slice(0, 200)}...` : body;
  return Object.fromEntries(Object.entries(body as Record<string, unknown>).map(([k, v]) => [k, summarise(v)]));
}

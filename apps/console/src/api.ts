/** The session: one bearer token (admin or auditor) and the tenant it looks at, per browser tab. */
export interface Session {
  token: string;
  tenant: string;
  /** Detected at sign-in: the admin token reaches the request ledger and SLA APIs, an auditor token only the audit API. */
  role: 'admin' | 'auditor';
}

const SESSION_KEY = 'scim-ledger-console';

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (typeof parsed.token !== 'string' || typeof parsed.tenant !== 'string') return null;
    return { token: parsed.token, tenant: parsed.tenant, role: parsed.role === 'admin' ? 'admin' : 'auditor' };
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
}

/** An API answer that was not 2xx, with the server's own explanation. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
    readonly path: string,
  ) {
    super(message);
  }

  /** No such route on this server (as opposed to "no such user"): the feature is not deployed. */
  get routeMissing(): boolean {
    return this.status === 404 && /^Cannot (GET|POST|PUT|DELETE|PATCH) /.test(this.message);
  }

  get needsAdmin(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

function messageOf(body: unknown, status: number): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const message = b['message'] ?? b['detail'] ?? b['error'];
    if (Array.isArray(message)) return message.join('; ');
    if (typeof message === 'string') return message;
  }
  if (typeof body === 'string' && body.trim()) return body.slice(0, 300);
  return `HTTP ${status}`;
}

export type Query = Record<string, string | number | undefined | null | false>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '' || value === false) continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export class Api {
  constructor(readonly session: Session) {}

  get tenant(): string {
    return this.session.tenant;
  }

  /** `/tenants/{tenant}` + rest, with the tenant percent-encoded. */
  t(rest: string): string {
    return `/tenants/${encodeURIComponent(this.session.tenant)}${rest}`;
  }

  async raw(path: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(path, {
      ...init,
      headers: { authorization: `Bearer ${this.session.token}`, accept: 'application/json', ...(init.headers ?? {}) },
      cache: 'no-store',
    });
    if (!response.ok) {
      const text = await response.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        /* plain text body */
      }
      throw new ApiError(response.status, messageOf(body, response.status), body, path);
    }
    return response;
  }

  async get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    const response = await this.raw(withQuery(path, query), { signal });
    return (await response.json()) as T;
  }

  async post<T>(path: string, body?: unknown): Promise<T> {
    const response = await this.raw(path, {
      method: 'POST',
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
    });
    return (await response.json()) as T;
  }
}

/** Saves text or a blob as a file through a temporary link (the API needs the bearer header, so no plain href). */
export function download(content: Blob | string, filename: string, type = 'application/octet-stream'): void {
  const blob = typeof content === 'string' ? new Blob([content], { type }) : content;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

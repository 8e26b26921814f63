import { useSyncExternalStore } from 'react';

/** Path-based routes under /console/ (the server answers index.html for any of them). */
export const BASE = '/console';

export interface Location {
  /** Path inside the console, always starting with "/": "/users/42". */
  path: string;
  query: URLSearchParams;
}

const listeners = new Set<() => void>();
let snapshot = read();

function read(): { path: string; search: string } {
  const full = window.location.pathname;
  const path = full.startsWith(BASE) ? full.slice(BASE.length) || '/' : '/';
  return { path, search: window.location.search };
}

function changed(): void {
  const next = read();
  if (next.path === snapshot.path && next.search === snapshot.search) return;
  snapshot = next;
  for (const listener of listeners) listener();
}

window.addEventListener('popstate', changed);

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = `${BASE}${to.startsWith('/') ? to : `/${to}`}`;
  if (options.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  changed();
}

export function useLocation(): Location {
  const current = useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => snapshot,
  );
  return { path: current.path, query: new URLSearchParams(current.search) };
}

/** "/users/:id" against "/users/42" -> {id: "42"}; null when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i]!;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(got[i]!);
    else if (part !== got[i]) return null;
  }
  return params;
}

/** Builds an in-console link with a query string, skipping empty values. */
export function href(path: string, query: Record<string, string | undefined | null> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

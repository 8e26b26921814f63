import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedAlert {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  /** Date.now() when the request body was complete. */
  receivedAt: number;
}

/**
 * A local stand-in for PagerDuty, Alertmanager or a webhook on 127.0.0.1: records every request
 * and answers what the test sets (202 like PagerDuty's Events API, by default).
 */
export interface AlertReceiver {
  url: string;
  received: ReceivedAlert[];
  /** Status answered from now on (e.g. 503 while "down"). */
  answer(status: number): void;
  /** Resolves when `count` requests matching `predicate` have arrived. */
  waitFor(count: number, predicate?: (r: ReceivedAlert) => boolean, timeoutMs?: number): Promise<ReceivedAlert[]>;
  close(): Promise<void>;
}

export async function startAlertReceiver(port = 0): Promise<AlertReceiver> {
  const received: ReceivedAlert[] = [];
  let status = 202;
  let listeners: Array<() => void> = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* keep text */
      }
      received.push({ path: request.url ?? '', headers: request.headers, body, receivedAt: Date.now() });
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(status < 300 ? '{"status":"success","message":"Event processed"}' : '{"status":"unavailable"}');
      for (const listener of listeners) listener();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    received,
    answer(next) {
      status = next;
    },
    waitFor(count, predicate = () => true, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const matching = received.filter(predicate);
          if (matching.length >= count) {
            cleanup();
            resolve(matching);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`expected ${count} matching requests within ${timeoutMs} ms, got ${received.filter(predicate).length} of ${received.length}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners = listeners.filter((l) => l !== check);
        };
        listeners.push(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

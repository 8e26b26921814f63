import autocannon from 'autocannon';
import { percentile } from './stats';

export interface LoadResult {
  connections: number;
  seconds: number;
  /** 2xx responses per second. */
  throughput: number;
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Latency of 2xx responses, ms, sub-millisecond resolution (autocannon's histogram keeps whole ms). */
  p50: number;
  p99: number;
  statusCodes: Record<string, number>;
  /** Server RSS, MiB: highest sample during the run, and at the end. */
  rssPeakMb: number;
  rssEndMb: number;
  /** When the load ran, on CLOCK_MONOTONIC in µs (the clock V8 stamps CPU profile samples with). */
  fromUs: number;
  toUs: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds to run; `amount` (a request count) takes precedence when set. */
  seconds: number;
  amount?: number;
  /** Stop after this many requests or `seconds`, whichever comes first. */
  maxRequests?: number;
  requests: autocannon.RequestSpec[];
  headers?: Record<string, string>;
  /** Sampled during the run for the peak. */
  rssMb?: () => number;
  /** Awaited before the load starts (waiting for the server to be idle). */
  before?: () => Promise<unknown>;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  await options.before?.();
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const latencies: number[] = [];
  let rssPeak = 0;
  const sample = () => {
    const rss = options.rssMb?.() ?? NaN;
    if (rss > rssPeak) rssPeak = rss;
  };
  const sampler = setInterval(sample, 250);
  // autocannon ends runs on its 1 s sampling tick; a run that finishes its requests early would
  // count the idle rest of that second, so the rate is measured from the first request to the last answer.
  const startedAt = performance.now();
  let lastAnswerAt = startedAt;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.seconds,
        ...(options.amount !== undefined ? { amount: options.amount } : {}),
        ...(options.maxRequests !== undefined ? { maxOverallRequests: Math.max(options.maxRequests, options.connections) } : {}),
        timeout: 30,
        headers: options.headers,
        requests: options.requests,
      },
      (error, result) => {
        clearInterval(sampler);
        if (error) return reject(error);
        sample();
        latencies.sort((a, b) => a - b);
        const statusCodes: Record<string, number> = {};
        for (const [code, stat] of Object.entries(result.statusCodeStats)) statusCodes[code] = stat.count;
        const elapsed = (lastAnswerAt - startedAt) / 1000;
        resolve({
          connections: options.connections,
          seconds: elapsed,
          throughput: elapsed > 0 ? result['2xx'] / elapsed : 0,
          ok: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
          statusCodes,
          rssPeakMb: rssPeak,
          rssEndMb: options.rssMb?.() ?? NaN,
          fromUs,
          toUs: Number(process.hrtime.bigint() / 1000n),
        });
      },
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      lastAnswerAt = performance.now();
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
}

/** JSON request helper for set-up steps (not measured). */
export async function call(url: string, method: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed };
}

/** Runs `task` over `items` with at most `concurrency` in flight (set-up provisioning). */
export async function inParallel<T, R>(items: T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      for (;;) {
        const index = next++;
        if (index >= items.length) return;
        results[index] = await task(items[index]!, index);
      }
    }),
  );
  return results;
}

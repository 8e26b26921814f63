import type { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { LedgerConfig } from '../config/config';
import { traceOf, type TracedRequest } from '../shared/http-context';

/** Paths pino blanks out wherever they appear: credentials never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  '*.password',
  '*.token',
  '*.secret',
  '*.adminToken',
  '*.*.password',
];

/** One JSON line per event; each request's lines carry its request and correlation ids. */
export function loggingParams(config: LedgerConfig, destination?: DestinationStream): Params {
  const options = {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    genReqId: (request: TracedRequest) => traceOf(request).requestId,
    customProps: (request: TracedRequest) => ({ correlationId: traceOf(request).correlationId }),
    serializers: {
      req: (req: { id: string; method: string; url: string; headers: Record<string, unknown> }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
        headers: { 'user-agent': req.headers['user-agent'], authorization: req.headers['authorization'] },
      }),
    },
    customLogLevel: (_req: unknown, res: { statusCode: number }, error?: Error) =>
      error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
  };
  return { pinoHttp: destination ? [options, destination] : options } as Params;
}

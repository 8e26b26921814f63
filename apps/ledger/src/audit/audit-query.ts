import { BadRequestException } from '@nestjs/common';
import { EVENT_TYPES, STREAM_CATEGORIES } from '@ledger/domain';

/** Date, or date-time with a zone (Z or ±hh:mm): a time without a zone would mean the server's zone. */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;
const BARE_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

export const BEGINNING_OF_TIME = '1970-01-01T00:00:00.000Z';

/**
 * An ISO-8601 instant from the query string, normalised to `toISOString()` form. A date alone
 * means midnight UTC. `+01:00` arrives as ` 01:00` when the client did not percent-encode the
 * plus sign, so that is accepted too.
 */
export function parseInstant(name: string, raw: unknown, fallback: () => string): string {
  if (raw === undefined || raw === '') return fallback();
  if (typeof raw !== 'string') throw new BadRequestException(`${name} must be given once, as an ISO-8601 time`);
  const text = raw.trim().replace(/ (\d{2}:?\d{2})$/, '+$1');
  if (BARE_DATE_TIME.test(text)) {
    throw new BadRequestException(`${name} "${raw.slice(0, 60)}" has no time zone; add Z (UTC) or an offset such as +01:00`);
  }
  const match = INSTANT.exec(text);
  const ms = match ? Date.parse(text) : NaN;
  if (!match || Number.isNaN(ms) || !sameCalendarDay(match)) {
    throw new BadRequestException(`${name} "${raw.slice(0, 60)}" is not an ISO-8601 time (e.g. 2026-03-31T23:59:59Z or 2026-03-31)`);
  }
  return new Date(ms).toISOString();
}

/** Date.parse rolls 2026-02-30 over to March; an auditor typing it meant something else. */
function sameCalendarDay(match: RegExpExecArray): boolean {
  const [, y, m, d] = match;
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  const probe = new Date(0);
  probe.setUTCFullYear(Number(y), Number(m) - 1, Number(d));
  return probe.getUTCFullYear() === Number(y) && probe.getUTCMonth() === Number(m) - 1 && probe.getUTCDate() === Number(d);
}

/** An instant to answer for: the past or now. The ledger cannot say what a future instant will hold. */
export function parseAt(raw: unknown, now: () => Date): string {
  const current = now().toISOString();
  const at = parseInstant('at', raw, () => current);
  if (at > current) throw new BadRequestException(`at (${at}) is in the future; the ledger answers for instants up to now (${current})`);
  return at;
}

/**
 * A half-open period `[from, to)`: back-to-back periods count each event once. A `to` after now
 * is cut to now, so that no answer or bundle claims a period that has not happened yet.
 */
export function parsePeriod(query: Record<string, unknown>, now: () => Date): { from: string; to: string } {
  const current = now().toISOString();
  const from = parseInstant('from', query['from'], () => BEGINNING_OF_TIME);
  const asked = parseInstant('to', query['to'], () => current);
  if (from > asked) {
    // Without a from, the caller only gave a to before the ledger's beginning: say that, not a from they never sent.
    throw new BadRequestException(query['from'] === undefined || query['from'] === ''
      ? `to (${asked}) is before ${BEGINNING_OF_TIME}, where periods start when no from is given`
      : `from (${from}) is after to (${asked})`);
  }
  if (from > current) throw new BadRequestException(`from (${from}) is in the future; the ledger answers for periods up to now (${current})`);
  return { from, to: asked > current ? current : asked };
}

/**
 * A period where both ends are optional filters: the ends given, checked and cut as by
 * parsePeriod, and the period answered; nothing when neither end was given.
 */
export function parseOptionalPeriod(query: Record<string, unknown>, now: () => Date): { from?: string; to?: string; period?: { from: string; to: string } } {
  if (query['from'] === undefined && query['to'] === undefined) return {};
  const period = parsePeriod(query, now);
  return {
    ...(query['from'] !== undefined ? { from: period.from } : {}),
    ...(query['to'] !== undefined ? { to: period.to } : {}),
    period,
  };
}

export function parseCount(raw: unknown, fallback: number, max: number, name = 'count'): number {
  if (raw === undefined || raw === '') return fallback;
  // One message for every wrong value (0, -1, 1.5, 'ten'): what the parameter takes.
  const value = typeof raw === 'string' && /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 1 && value <= max)) throw new BadRequestException(`${name} must be a whole number from 1 to ${max}, not "${String(raw).slice(0, 40)}"`);
  return value;
}

/** `type=UserDeactivated,UserDeleted` (or the parameter repeated); names match case-insensitively. */
export function parseTypes(raw: unknown): string[] | undefined {
  return parseNames('type', raw, EVENT_TYPES, 'an event type');
}

/** `category=user,group`: stream categories, the part of a stream id before its first dash. */
export function parseCategories(raw: unknown): string[] | undefined {
  return parseNames('category', raw, STREAM_CATEGORIES, 'a stream category');
}

/** A misspelt name would otherwise match nothing and read as "no such change happened". */
function parseNames(name: string, raw: unknown, known: readonly string[], what: string): string[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  const values = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => String(v).split(',')).map((v) => v.trim());
  if (values.some((v) => v === '')) throw new BadRequestException(`${name} has an empty entry: give names separated by single commas`);
  return [...new Set(values.map((value) => {
    const canonical = known.find((k) => k.toLowerCase() === value.toLowerCase());
    if (!canonical) throw new BadRequestException(`${name} "${value.slice(0, 100)}" is not ${what}; known: ${known.join(', ')}`);
    return canonical;
  }))];
}

/** Newest-first stream paging: the cursor is the revision of the last event of the previous page. */
export function parseRevisionCursor(raw: unknown): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw)) throw new BadRequestException('cursor must be the nextCursor value of a previous page');
  return Number(raw);
}

/** Cursor of a list paged by offset: the nextCursor of the previous page, a whole number like a revision. */
export function parseOffsetCursor(raw: unknown): number {
  return parseRevisionCursor(raw) ?? 0;
}

/** Opaque keyset cursor over (time, position) for the changes feed. */
export function encodeChangesCursor(at: string, position: bigint): string {
  return Buffer.from(JSON.stringify([at, position.toString()])).toString('base64url');
}

export function parseChangesCursor(raw: unknown): { at: string; position: bigint } | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    const [at, position] = JSON.parse(Buffer.from(String(raw), 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at !== 'string' || !/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(at) || typeof position !== 'string' || !/^\d{1,19}$/.test(position)) throw new Error('shape');
    if (BigInt(position) > 9_223_372_036_854_775_807n) throw new Error('beyond a 64-bit position');
    return { at, position: BigInt(position) };
  } catch {
    throw new BadRequestException('cursor must be the nextCursor value of a previous page');
  }
}

export function parseStaleDays(raw: unknown): number {
  if (raw === undefined || raw === '') return 30;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || Number(raw) > 36_500) {
    throw new BadRequestException('staleDays must be a whole number of days (0-36500)');
  }
  return Number(raw);
}

/**
 * Refuses parameters the route does not take: `types=` or `form=` would otherwise be ignored and
 * the unfiltered answer read as the filtered one.
 */
export function onlyParams(query: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(query).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 5).map((key) => `"${key.slice(0, 40)}"`).join(', ');
    throw new BadRequestException(`unknown parameter ${shown}: this route takes ${allowed.length > 0 ? allowed.join(', ') : 'no parameters'}`);
  }
}

/** One value of a text filter: a repeated parameter is ambiguous. */
export function parseText(name: string, raw: unknown, max = 300): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || raw.length > max) throw new BadRequestException(`${name} must be given once, as text of at most ${max} characters`);
  return raw;
}

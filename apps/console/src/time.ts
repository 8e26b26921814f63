/**
 * The console shows and takes every time in UTC: evidence is compared across teams and zones, and
 * the audit API answers in UTC. Pickers are `datetime-local` inputs read as UTC.
 */

/** ISO instant -> "2026-03-03T10:00:00" for a datetime-local input (seconds precision). */
export function toPickerValue(iso: string): string {
  return new Date(iso).toISOString().slice(0, 19);
}

/** datetime-local value (no zone) read as UTC -> ISO instant; null when empty or invalid. */
export function fromPickerValue(value: string): string | null {
  if (!value) return null;
  const withSeconds = value.length === 16 ? `${value}:00` : value;
  const ms = Date.parse(`${withSeconds}Z`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** "2026-03-03 10:00:00.123 UTC" style, readable and unambiguous. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const text = new Date(ms).toISOString();
  return `${text.slice(0, 10)} ${text.slice(11, 23)} UTC`;
}

export function formatShortTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const text = new Date(ms).toISOString();
  return `${text.slice(0, 10)} ${text.slice(11, 19)}`;
}

/** 3725 -> "1 h 2 min 5 s"; negative durations keep their sign. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '—';
  const sign = seconds < 0 ? '-' : '';
  let rest = Math.abs(seconds);
  if (rest < 10) return `${sign}${Math.round(rest * 100) / 100} s`;
  rest = Math.round(rest);
  const days = Math.floor(rest / 86_400);
  const hours = Math.floor((rest % 86_400) / 3600);
  const minutes = Math.floor((rest % 3600) / 60);
  const secs = rest % 60;
  const parts = [days && `${days} d`, hours && `${hours} h`, minutes && `${minutes} min`, secs && `${secs} s`].filter(Boolean);
  return `${sign}${parts.slice(0, 3).join(' ') || '0 s'}`;
}

/** One millisecond before an instant: "just before this change". */
export function justBefore(iso: string): string {
  return new Date(Date.parse(iso) - 1).toISOString();
}

export function startOfUtcDay(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

const XSD_DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:\d{2})?$/i;

/**
 * Parses an xsd:dateTime (RFC 7643 §2.3.5) to epoch milliseconds. A value without an offset is
 * read as UTC, so the result never depends on the server's time zone.
 */
export function parseDateTime(text: string): number | undefined {
  const match = XSD_DATE_TIME.exec(text.trim());
  if (!match) return undefined;
  const [, date, time, zone] = match;
  const instant = Date.parse(`${date}T${time}${zone ?? 'Z'}`);
  return Number.isNaN(instant) ? undefined : instant;
}

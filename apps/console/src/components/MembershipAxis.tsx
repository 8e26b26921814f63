import { Table, Text } from '@mantine/core';
import type { MembershipSpan } from '../data';
import { formatShortTime, formatTime } from '../time';
import { Provenance } from './common';

const ROW = 26;
const LABEL = 170;
const WIDTH = 900;

/**
 * Group memberships as bars on a time axis (SVG), with the chosen instant marked, and the same
 * intervals as a table for screen readers and copying. A bar is a button: it moves the instant
 * to the start of that membership.
 */
export function MembershipAxis({
  spans,
  start,
  end,
  at,
  onPick,
  admin,
}: {
  spans: MembershipSpan[];
  start: string;
  end: string;
  at: string | null;
  onPick: (iso: string) => void;
  admin: boolean;
}) {
  if (spans.length === 0) return <Text size="sm">No group memberships in the ledger for this user.</Text>;
  const t0 = Date.parse(start);
  const t1 = Math.max(Date.parse(end), t0 + 1000);
  const plot = WIDTH - LABEL - 10;
  const x = (iso: string) => LABEL + ((Math.min(Math.max(Date.parse(iso), t0), t1) - t0) / (t1 - t0)) * plot;
  const height = spans.length * ROW + 30;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => new Date(t0 + f * (t1 - t0)).toISOString());
  return (
    <>
      <svg viewBox={`0 0 ${WIDTH} ${height}`} width="100%" role="group" aria-label="Group memberships over time" style={{ maxWidth: WIDTH }}>
        {ticks.map((tick, i) => (
          <g key={tick}>
            <line x1={x(tick)} x2={x(tick)} y1={0} y2={height - 22} stroke="#dee2e6" />
            <text x={x(tick)} y={height - 8} textAnchor={i === 0 ? 'start' : i === ticks.length - 1 ? 'end' : 'middle'} className="axis-label">
              {i > 0 && ticks[i - 1]!.slice(0, 10) === tick.slice(0, 10) ? formatShortTime(tick).slice(11) : formatShortTime(tick)}
            </text>
          </g>
        ))}
        {spans.map((span, i) => {
          const y = i * ROW + 4;
          const from = x(span.from);
          const to = x(span.to ?? end);
          const label = `${span.displayName}: member from ${formatTime(span.from)} ${span.to ? `to ${formatTime(span.to)}` : 'until now'}`;
          return (
            <g key={`${span.groupId}-${span.from}`}>
              <text x={LABEL - 8} y={y + 14} textAnchor="end" className="axis-label">{truncate(span.displayName, 26)}</text>
              <rect
                className={`interval-bar${span.to ? ' closed' : ''}`}
                x={from}
                y={y}
                width={Math.max(3, to - from)}
                height={ROW - 8}
                rx={3}
                tabIndex={0}
                role="button"
                aria-label={`${label}. Show the user at the start of this membership.`}
                onClick={() => onPick(span.from)}
                onKeyDown={(event) => {
                  if (event.key === 'Enter' || event.key === ' ') {
                    event.preventDefault();
                    onPick(span.from);
                  }
                }}
              >
                <title>{label}</title>
              </rect>
            </g>
          );
        })}
        {at && Date.parse(at) >= t0 && Date.parse(at) <= t1 && (
          <line className="at-line" x1={x(at)} x2={x(at)} y1={0} y2={height - 22}>
            <title>{`shown instant ${formatTime(at)}`}</title>
          </line>
        )}
      </svg>
      <div className="table-scroll">
        <Table striped withTableBorder mt="xs" aria-label="Membership intervals">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Group</Table.Th>
              <Table.Th scope="col">From</Table.Th>
              <Table.Th scope="col">To</Table.Th>
              <Table.Th scope="col">Added by</Table.Th>
              <Table.Th scope="col">Removed by</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {spans.map((span) => (
              <Table.Tr key={`${span.groupId}-${span.from}`}>
                <Table.Td>{span.displayName}</Table.Td>
                <Table.Td className="tabular">{formatTime(span.from)}</Table.Td>
                <Table.Td className="tabular">{span.to ? formatTime(span.to) : 'current'}</Table.Td>
                <Table.Td><Provenance source={span.addedBy} admin={admin} /></Table.Td>
                <Table.Td>{span.removedBy ? <Provenance source={span.removedBy} admin={admin} /> : '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </div>
    </>
  );
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

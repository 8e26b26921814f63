import type { DomainEvent } from '../shared/decider';

/**
 * An evidence bundle handed out in full, on `auditExport-<tenant>:<exportId>`: who took which
 * period, and the sha256 its manifest declared. A bundle shown later can be matched to this
 * record in the hash-chained log; one cut short (no manifest) is not recorded, as it is no evidence.
 */
export type AuditBundleExported = DomainEvent<'AuditBundleExported', {
  exportId: string;
  tenantId: string;
  from: string;
  to: string;
  format: 'jsonl' | 'csv';
  /** `admin` or `auditor:<auditorId>`. */
  generatedBy: string;
  counts: { events: number; requests: number; snapshots: number };
  firstPosition: string | null;
  lastPosition: string | null;
  sha256: string;
  at: string;
}>;

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';

export type Row = Record<string, string | number>;

/** One benchmark script's output: printed tables and the figures run-all.mjs gathers. */
export interface BenchReport {
  benchmark: string;
  at: string;
  settings: Record<string, unknown>;
  tables: Array<{ title: string; rows: Row[] }>;
  notes: string[];
}

export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'scim-ledger') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('not inside the scim-ledger checkout');
    dir = parent;
  }
}

export function machine(): Record<string, unknown> {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform, loadAverage1m: Math.round(loadavg()[0]! * 100) / 100 };
}

/**
 * run-all.mjs passes BENCH_RESULT_FILE and gathers it; run alone, a script writes its own file
 * to bench/results/<benchmark>-<date>.json.
 */
export function writeReport(report: BenchReport): void {
  const target = process.env['BENCH_RESULT_FILE'] ?? join(repoRoot(), 'bench', 'results', `${report.benchmark}-${report.at.slice(0, 10)}.json`);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, JSON.stringify({ ...report, machine: machine() }, null, 2));
  if (!process.env['BENCH_RESULT_FILE']) console.log(`\nwritten ${target}`);
}

export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got "${raw}")`);
  return value;
}

export function envList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (!raw) return fallback;
  return raw.split(',').map((v) => Number(v.trim())).filter((v) => Number.isFinite(v) && v > 0);
}

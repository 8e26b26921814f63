#!/usr/bin/env node
/**
 * npm run bench: compiles apps, libs and bench with tsc (into node_modules/.cache, so it never
 * touches dist/ or the sources), runs each benchmark script in turn, prints their tables and a
 * summary, and writes bench/results/<date>.json.
 *
 *   npm run bench                      everything (about 7-9 minutes on 2 cores)
 *   npm run bench -- writes scale      only the named benchmarks
 *   npm run bench -- --no-build        reuse the last build
 *   npm run bench -- profile           CPU profile of the write path (not part of the default run)
 *   BENCH_SECONDS=3 BENCH_RUNS=3 BENCH_USERS=10000 BENCH_OTHERS=1 (see bench/README.md)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, 'node_modules', '.cache', 'scim-ledger-bench');
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
const started = Date.now();
// Other work on a shared machine moves every figure; the load average says how much there was.
const loadAtStart = loadavg().map((l) => Math.round(l * 100) / 100);

/** Ours, in the order they run. Others' `bench/*.bench.ts` (audit, SLA, transparency, ...) follow. */
const benchmarks = [
  { name: 'writes', file: 'bench/scim/writes.bench.ts', what: 'user create and PATCH: service vs SCIMMY peer vs raw SQLite limit, 1/16/64 connections' },
  { name: 'scenarios', file: 'bench/scim/scenarios.bench.ts', what: 'deactivate, group PATCH +1,000 members, list with filter, audit state at T' },
  { name: 'scale', file: 'bench/scim/scale.bench.ts', what: 'RSS after provisioning BENCH_USERS users, projection rebuild events/s' },
  { name: 'framework-floor', file: 'bench/scim/framework-floor.bench.ts', what: 'user create: node:http and NestJS floors (store nothing) vs the peer vs the service, with CPU per create' },
  { name: 'appends', file: 'bench/event-store-appends.bench.ts', what: 'durable appends through the EventStore port vs raw inserts', env: { BENCH_SECONDS: '2', BENCH_RUNS: '1' } },
  { name: 'profile', file: 'bench/scim/profile-write-path.ts', what: 'CPU profile of the service write path (only when named; BENCH_PROFILE_SCENARIO=create|group-patch)', optIn: true },
];
// Others' benchmarks (audit, SLA, transparency, ...) set up their own data and can take minutes:
// they run when named or with BENCH_OTHERS=1, so the default run stays inside its 10 minutes.
for (const file of readdirSync(join(root, 'bench')).filter((f) => f.endsWith('.bench.ts')).sort()) {
  if (benchmarks.some((b) => b.file === `bench/${file}`)) continue;
  benchmarks.push({ name: file.replace(/\.bench\.ts$/, ''), file: `bench/${file}`, what: 'found in bench/', optIn: process.env.BENCH_OTHERS !== '1' });
}
const selected = only.length ? benchmarks.filter((b) => only.some((o) => b.name.includes(o))) : benchmarks.filter((b) => !b.optIn);

function build() {
  const t = Date.now();
  process.stdout.write(`building (tsc -p tsconfig.bench.json) into ${relative(root, buildDir)} ... `);
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.bench.json', '--outDir', buildDir], { cwd: root, encoding: 'utf8' });
  const errors = (tsc.stdout.match(/error TS\d+/g) ?? []).length;
  const alias = spawnSync(process.execPath, [join(root, 'node_modules/tsc-alias/dist/bin/index.js'), '-p', 'tsconfig.bench.json', '--outDir', buildDir], { cwd: root, encoding: 'utf8' });
  if (alias.status !== 0) throw new Error(`tsc-alias failed:\n${alias.stdout}${alias.stderr}`);
  if (!existsSync(join(buildDir, 'apps/ledger/src/main.js'))) throw new Error(`the build produced no service:\n${tsc.stdout}`);
  console.log(`${((Date.now() - t) / 1000).toFixed(1)}s${errors ? ` (tsc reported ${errors} type errors in the tree; JavaScript was emitted anyway, see below)` : ''}`);
  if (errors) console.log(tsc.stdout.split('\n').filter((l) => l.includes('error TS')).slice(0, 10).map((l) => `  ${l}`).join('\n'));
  return { seconds: (Date.now() - t) / 1000, typeErrors: errors };
}

function runScript(benchmark) {
  return new Promise((resolvePromise) => {
    const compiled = join(buildDir, benchmark.file.replace(/\.ts$/, '.js'));
    const resultFile = join(tmpdir(), `bench-${process.pid}-${benchmark.name}.json`);
    rmSync(resultFile, { force: true });
    const t = Date.now();
    console.log(`\n=== ${benchmark.name}: ${benchmark.what} (${benchmark.file})`);
    const child = spawn(process.execPath, [compiled], {
      cwd: root,
      env: { ...process.env, ...(benchmark.env ?? {}), BENCH_RESULT_FILE: resultFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const tee = (stream) => (chunk) => {
      output += chunk;
      stream.write(chunk);
    };
    child.stdout.on('data', tee(process.stdout));
    child.stderr.on('data', tee(process.stderr));
    child.on('exit', (code, signal) => {
      const seconds = (Date.now() - t) / 1000;
      let report = null;
      if (existsSync(resultFile)) {
        report = JSON.parse(readFileSync(resultFile, 'utf8'));
        rmSync(resultFile, { force: true });
      }
      console.log(`--- ${benchmark.name}: ${code === 0 ? 'done' : `FAILED (exit ${code ?? signal})`} in ${seconds.toFixed(0)}s`);
      resolvePromise({ name: benchmark.name, file: benchmark.file, exitCode: code, seconds, report, output: report ? undefined : output.slice(-8000) });
    });
  });
}

/** The figures to read first: one line per scenario and connection count. */
function summary(results) {
  const rows = [];
  const table = (name, prefix) => results.find((r) => r.name === name)?.report?.tables.find((t) => t.title.startsWith(prefix))?.rows ?? [];
  for (const [prefix, scenario] of [['User create', 'user create'], ['User PATCH', 'user PATCH']]) {
    for (const r of table('writes', prefix)) {
      rows.push({
        scenario, conns: r.connections, 'service /s': r['service /s'], 'p50 ms': r['svc p50 ms'], 'p99 ms': r['svc p99 ms'], 'non2xx+err': r['svc non2xx+err'], 'RSS MiB': r['svc RSS MiB'],
        'peer /s': r['peer /s'], 'limit /s (batched)': r['limit batched /s'], 'svc/peer': r['svc/peer'], 'svc/limit': r['svc/limit batched'],
      });
    }
  }
  for (const r of table('scenarios', 'Service scenarios')) {
    rows.push({ scenario: r.scenario, conns: r.connections, 'service /s': r['req/s'], 'p50 ms': r['p50 ms'], 'p99 ms': r['p99 ms'], 'non2xx+err': r['non2xx+err'], 'RSS MiB': r['RSS MiB'], 'peer /s': '', 'limit /s (batched)': '', 'svc/peer': '', 'svc/limit': '' });
  }
  const memory = table('scale', 'Memory').at(-1);
  if (memory) rows.push({ scenario: `RSS at ${memory.users} users`, conns: 64, 'service /s': memory['provisioned /s'], 'p50 ms': memory['p50 ms'], 'p99 ms': memory['p99 ms'], 'non2xx+err': memory['non2xx+err'], 'RSS MiB': memory['RSS MiB'], 'peer /s': '', 'limit /s (batched)': '', 'svc/peer': '', 'svc/limit': '' });
  const rebuild = table('scale', 'Projection rebuild')[0];
  if (rebuild) rows.push({ scenario: `projection rebuild (${rebuild.events} events), events/s`, conns: '', 'service /s': rebuild['events/s'], 'p50 ms': '', 'p99 ms': '', 'non2xx+err': '', 'RSS MiB': '', 'peer /s': '', 'limit /s (batched)': '', 'svc/peer': '', 'svc/limit': '' });
  return rows;
}

function printTable(rows) {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log(line(columns));
  for (const row of rows) console.log(line(columns.map((c) => String(row[c] ?? ''))));
}

async function main() {
  const buildInfo = args.includes('--no-build') ? { skipped: true } : build();
  const results = [];
  const notRun = benchmarks.filter((b) => !selected.includes(b));
  if (notRun.length) console.log(`not in this run: ${notRun.map((b) => b.name).join(', ')} (name them, e.g. npm run bench -- ${notRun[0].name}${notRun.some((b) => b.what === 'found in bench/') ? ', or BENCH_OTHERS=1' : ''})`);
  for (const benchmark of selected) {
    results.push(await runScript(benchmark));
  }
  const totalSeconds = (Date.now() - started) / 1000;
  const rows = summary(results);
  const at = new Date().toISOString();
  const machine = {
    cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, note: `${cpus().length} cores, shared`,
    loadAverage1m: { atStart: loadAtStart[0], atEnd: Math.round(loadavg()[0] * 100) / 100 },
  };
  console.log(`\n=== summary (${at.slice(0, 10)}, ${machine.cpus} cores, ${machine.cpuModel}, load average ${machine.loadAverage1m.atStart} at start and ${machine.loadAverage1m.atEnd} at end; medians; service started from the compiled build)`);
  printTable(rows);
  for (const r of results.filter((r) => r.exitCode !== 0)) console.log(`! ${r.name} failed (exit ${r.exitCode}); its output is in the results file`);
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  // Only a full run is "the" results of the day; a partial one is kept beside it.
  const names = selected.map((b) => (b.name === 'profile' ? `profile-${process.env.BENCH_PROFILE_SCENARIO ?? 'create'}` : b.name));
  const partial = only.length ? `-${names.join('-')}` : '';
  const file = join(root, 'bench', 'results', `${at.slice(0, 10)}${partial}.json`);
  writeFileSync(file, JSON.stringify({ at, totalSeconds, machine, build: buildInfo, summary: rows, benchmarks: results }, null, 2));
  console.log(`\ntotal ${totalSeconds.toFixed(0)}s; written ${relative(root, file)}`);
  if (results.some((r) => r.exitCode !== 0)) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

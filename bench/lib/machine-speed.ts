import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';

/**
 * This machine's speed changes by up to 2x within a day, so a figure is only worth as much as
 * what is known about the minutes it was measured in. Two things a benchmark can print beside
 * its own figures: CPU time the hypervisor took for other guests (steal, from /proc/stat), and
 * how long a fixed piece of CPU work took just before.
 */

/** USER_HZ: /proc/stat counts in hundredths of a second on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/**
 * Starts counting steal: the function returned gives the seconds of it, summed over all CPUs,
 * since this call (null where /proc/stat is not there).
 */
export function startStealMeter(): () => number | null {
  const before = stolenSeconds();
  return () => {
    const now = stolenSeconds();
    return before === null || now === null ? null : now - before;
  };
}

/** Seconds of steal summed over all CPUs since boot, or null where /proc/stat is not there. */
function stolenSeconds(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const fields = line.trim().split(/\s+/);
    // cpu user nice system idle iowait irq softirq steal ...
    if (fields[0] !== 'cpu' || fields.length < 9) return null;
    return Number(fields[8]) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * Milliseconds for a fixed amount of hashing and object churn on this thread: the median of
 * five tries, so one descheduling does not decide it. Only comparable between runs on the same
 * machine and Node version.
 */
export function probeMs(): number {
  const tries: number[] = [];
  for (let t = 0; t < 5; t++) {
    const started = performance.now();
    let digest = Buffer.alloc(32);
    for (let i = 0; i < 20_000; i++) digest = createHash('sha256').update(digest).update(JSON.stringify({ i, at: i * 7 })).digest();
    const objects: Array<{ n: number; s: string }> = [];
    for (let i = 0; i < 200_000; i++) objects.push({ n: i, s: `k${i}` });
    tries.push(performance.now() - started);
  }
  tries.sort((a, b) => a - b);
  return tries[2]!;
}

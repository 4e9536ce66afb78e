/** Small measurement helpers shared by the benchmarks. */

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  const i = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, i)]!;
}

export interface LatencySummary {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Share of one core the load generator (this process) used while measuring. */
  loadGenCpu: number;
}

/**
 * Runs `fn` from `concurrency` workers for `seconds` (after a short warm-up) and summarises latency.
 * The bench process is also the load generator: its CPU share is reported beside the figures.
 */
export async function closedLoop(concurrency: number, seconds: number, fn: (i: number) => Promise<void>, warmupSeconds = 1): Promise<LatencySummary> {
  const runFor = async (s: number, record: boolean) => {
    const latencies: number[] = [];
    let errors = 0;
    let n = 0;
    const end = performance.now() + s * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          const t0 = performance.now();
          try {
            await fn(n++);
            if (record) latencies.push(performance.now() - t0);
          } catch {
            errors++;
          }
        }
      }),
    );
    return { latencies, errors };
  };
  await runFor(warmupSeconds, false);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { latencies, errors } = await runFor(seconds, true);
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    seconds: elapsed,
    rps: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
    loadGenCpu: (cpu.user + cpu.system) / 1e6 / elapsed,
  };
}

export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : "n/a";

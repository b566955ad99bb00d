/** Small helpers for timing and printing: quantiles, rounds, number formatting. No assertions on timings. */

export const QUICK = process.env.BENCH_QUICK === '1';

/** Quantile by linear interpolation between closest ranks; `sorted` must be ascending. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
  n: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    n: sorted.length,
  };
}

/** 1234567 -> "1,234,567"; small numbers keep `digits` decimals. */
export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return String(value);
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "median 123,456/s (min 100,000, max 130,000, IQR 120,000-125,000, 9 rounds)" */
export function describeRate(s: Spread, unit = '/s'): string {
  return `median ${fmt(s.median)}${unit} (min ${fmt(s.min)}, max ${fmt(s.max)}, IQR ${fmt(s.q1)}-${fmt(s.q3)}, ${s.n} rounds)`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** CPU time used by this process so far, in ms (user + system: includes V8's helper threads). */
export function cpuNow(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

/** Milliseconds taken by `fn`, and its result. */
export function timed<T>(fn: () => T): { ms: number; result: T } {
  const started = performance.now();
  const result = fn();
  return { ms: performance.now() - started, result };
}

/** Wall and process-CPU milliseconds taken by `fn`, and its result. */
export function timedCpu<T>(fn: () => T): { ms: number; cpuMs: number; result: T } {
  const cpu = cpuNow();
  const started = performance.now();
  const result = fn();
  return { ms: performance.now() - started, cpuMs: cpuNow() - cpu, result };
}

export function heading(title: string): void {
  console.log(`\n== ${title} ${'='.repeat(Math.max(0, 100 - title.length))}`);
}

/** Prints rows as a left-aligned text table; the first row is the header. */
export function printTable(rows: string[][]): void {
  const widths: number[] = [];
  for (const row of rows)
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  const line = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ');
  console.log(line(rows[0] ?? []));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows.slice(1)) console.log(line(row));
}

/** A figure that run-all collects for the summary table. */
export interface SummaryRow {
  what: string;
  value: string;
  spread: string;
  note: string;
}

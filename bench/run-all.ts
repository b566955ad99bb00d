/**
 * `npm run bench`: every benchmark of the policy engine in one run, then a summary table. Figures are printed,
 * never asserted. BENCH_QUICK=1 gives a smoke run of about half a minute; BENCH_KEEP=1 keeps the batch files.
 *
 *   decide.bench.ts  decide() throughput, latency, where the time goes; casbin and Cedar side by side
 *   batch.bench.ts   the CLI's `policy decide --batch` end to end on 1,000,000 lines
 *   checkouts.bench.ts  checkout+return pairs through the service beside a bare-insert floor, per database
 *   audit-verify.bench.ts  `audit verify` over a 1,000,000-entry log
 *   notifications.bench.ts  checkout commit -> e-mail accepted by SMTP, due time -> overdue event, per database
 */
import { cpus } from 'node:os';
import { runAuditVerifyBench } from './audit-verify.bench.js';
import { runBatchBench } from './batch.bench.js';
import { runCheckoutsBench } from './checkouts.bench.js';
import { runDecideBench } from './decide.bench.js';
import { createFixture } from './fixture.js';
import { runNotificationsBench } from './notifications.bench.js';
import { heading, printTable, QUICK, type SummaryRow, seconds } from './stats.js';

/** A fixed piece of work, so that figures from different machines can be set side by side. */
function calibrate(): string {
  const dates = Array.from({ length: 100_000 }, (_, i) => Date.UTC(2026, 0, 1) + i * 157_000);
  const map = new Map(dates.map((d, i) => [d, i]));
  let sink = 0;
  const best = (fn: () => void) => {
    let min = Number.POSITIVE_INFINITY;
    for (let r = 0; r < 5; r++) {
      const started = performance.now();
      fn();
      min = Math.min(min, performance.now() - started);
    }
    return ((min * 1e6) / dates.length).toFixed(0);
  };
  const iso = best(() => {
    for (const d of dates) sink += new Date(d).toISOString().length;
  });
  const get = best(() => {
    for (const d of dates) sink += map.get(d) ?? 0;
  });
  return `calibration: new Date(ms).toISOString() ${iso} ns, Map.get ${get} ns (best of 5)${sink < 0 ? '' : ''}`;
}

const started = performance.now();
console.log(
  `Keywarden benchmarks${QUICK ? ' (BENCH_QUICK=1: smoke run, small samples)' : ''}: Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${process.platform}/${process.arch}`,
);
console.log(
  'All decide() figures are on the main JS thread (one core); V8 may run GC helper threads on another core.',
);
console.log(calibrate());

const fixture = createFixture();
const rows: SummaryRow[] = [];
rows.push(...(await runDecideBench(fixture)));
rows.push(...(await runBatchBench(fixture)));
rows.push(...(await runCheckoutsBench()));
rows.push(...(await runAuditVerifyBench()));
rows.push(...(await runNotificationsBench()));

heading(`Summary (${QUICK ? 'quick' : 'full'} run, ${seconds(performance.now() - started)})`);
printTable([
  ['figure', 'median / value', 'spread (min..max)', 'note'],
  ...rows.map((r) => [r.what, r.value, r.spread, r.note]),
]);

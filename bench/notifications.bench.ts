/**
 * Notification latency (issue 5), through the real parts as `keywarden serve` runs them: recordCheckout in
 * its own transaction, the event router and the overdue scheduler started by startRuleWorkers, the sender
 * (and on PostgreSQL the LISTEN connection) started by startNotificationDelivery, all woken on commit, with
 * an in-process SMTP server (smtp-server, with a login) and a local HTTP server as the SMS provider.
 *
 * 1. E-mail: the time from an after-hours checkout's commit to the SMTP server accepting the supervisor's
 *    e-mail (rule `after-hours-removal` of the Riverside example: e-mail and SMS to the supervisor), over
 *    1,000 checkouts (100 with BENCH_QUICK=1) started at a steady 20 per second by one client (a checkout
 *    that falls behind its slot starts at once: the rate printed is the one reached), then as fast as one
 *    client goes, to show the headroom (mails/s, and the latency of a backlog). Each key is put back
 *    right after its checkout, so three officers can take three cars 1,000 times. A mail is matched to its
 *    checkout by its Message-ID `<message-id@keywarden>` -> notification_messages.event_id -> the outbox
 *    event's payload. Beside the total, its two legs: commit -> message row written by the router (the
 *    row's created_at), and row written -> accepted by the SMTP server. Target: p95 under 500 ms.
 * 2. Overdue: the time from a checkout's due time to its overdue event (the `checkout.overdue` audit entry
 *    and outbox row, written in one transaction with one `at`), with the OverdueScheduler on its real timers.
 *    The policy cannot say seconds, so each checkout's due_at is set in the checkout's own transaction, at
 *    instants spread over the next ~30 s (10 s quick); the fleet policy (200 cars) with e-mail addresses and
 *    the Riverside `overdue` rule (e-mail to the holder and their supervisor), so the reminders (15 min lead:
 *    at once) and the overdue e-mails go out meanwhile. Also printed: due time -> overdue e-mail accepted.
 *    Target: p95 under 5 s.
 *
 * The clock: the services decide by a clock that starts at an after-hours instant (Wednesday 21:30 in
 * Chicago; 10:30 for the overdue part) and advances with real time, so due times, timers and the router
 * agree. SQLite runs as serve runs it by default (WAL, synchronous=FULL). Figures are printed, never asserted.
 * The SMTP and SMS servers run in this process and share its event loop with Keywarden.
 *
 * Run alone: node --import tsx bench/notifications.bench.ts [filter]   (BENCH_QUICK=1 for a smoke run;
 * `filter` picks the parts whose label contains it, e.g. `sqlite`, `postgres`, `e-mail`, `overdue`)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { recordCheckout, recordReturn } from '../src/checkouts/checkouts.service.js';
import {
  buildFleetPolicy,
  FLEET_APPROVER,
  FLEET_AUTHOR,
  fleetKeyId,
  fleetOfficerId,
} from '../src/checkouts/fleet-policy.testing.js';
import { SecretBox } from '../src/credentials/secret-box.js';
import type { FactorKind } from '../src/domain/policy/policy-file.js';
import { setSmsSettings, setSmtpSettings } from '../src/notifications/channel-settings.js';
import { closeEmailConnections } from '../src/notifications/channels/email-channel.js';
import { startNotificationDelivery } from '../src/notifications/notification-delivery.js';
import { startHttpReceiver, type TestHttpReceiver } from '../src/notifications/notifications.testing.js';
import { startRuleWorkers } from '../src/notifications/rule-workers.js';
import type { Dialect } from '../src/store/database.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../src/store/test-databases.js';
import { newServiceContext, RIVERSIDE_POLICY, TestClock } from '../src/testing/service-context.js';
import { fmt, heading, printTable, QUICK, quantile, type SummaryRow } from './stats.js';

const CHECKOUTS = QUICK ? 100 : 1000;
/** Checkouts before the measured ones (JIT, statement caches, the first SMTP connections); not counted. */
const WARMUP = QUICK ? 10 : 40;
const RATE_PER_S = 20;
const EMAIL_TARGET_P95_MS = 500;
const OVERDUE_CHECKOUTS = QUICK ? 50 : 200;
const OVERDUE_SPREAD_MS = QUICK ? 10_000 : 30_000;
/** The first due time, after the start of the overdue part (time to write the checkouts first). */
const OVERDUE_FIRST_DUE_MS = 5_000;
const OVERDUE_TARGET_P95_MS = 5_000;

/** Wednesday 2026-11-25, 21:30 at Central Station (America/Chicago): after hours. */
const WEDNESDAY_NIGHT = '2026-11-26T03:30:00.000Z';
/** Wednesday 2026-11-25, 10:30 in Chicago: business hours (the fleet policy's officers need no reason). */
const WEDNESDAY_MORNING = '2026-11-25T16:30:00.000Z';
const SMTP_LOGIN = { user: 'keywarden', password: 'bench-smtp-password' };

/** A clock that starts at `start` and advances with real time; wall() maps its instants back to Date.now(). */
class RealTimeClock extends TestClock {
  private readonly offset: number;
  constructor(start: string) {
    super(Date.parse(start));
    this.offset = Date.parse(start) - Date.now();
  }
  override now = (): Date => new Date(Date.now() + this.offset);
  /** The Date.now() at which this clock showed `iso`. */
  wall(iso: string): number {
    return Date.parse(iso) - this.offset;
  }
}

interface MailSink {
  port: number;
  /** Notification message id -> Date.now() when the server accepted the mail (250 after DATA). */
  accepted: Map<string, number>;
  close(): Promise<void>;
}

/** An SMTP server on 127.0.0.1 with a login, that notes when it accepts each Keywarden message. */
async function startMailSink(): Promise<MailSink> {
  const accepted = new Map<string, number>();
  const server = new SMTPServer({
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 1000,
    onAuth(login, _session, callback) {
      if (login.username === SMTP_LOGIN.user && login.password === SMTP_LOGIN.password)
        return callback(null, { user: login.username });
      return callback(new Error('Invalid username or password'));
    },
    onData(stream, _session, callback) {
      // Only the header is kept: parsing every mail would load the event loop that Keywarden shares.
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (head.length < 8192) head += chunk.toString('latin1');
      });
      stream.on('end', () => {
        const id = /^Message-ID:\s*<([^@>\s]+)@keywarden>/im.exec(head)?.[1];
        if (id && !accepted.has(id)) accepted.set(id, Date.now());
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    accepted,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A database with a policy, SMTP (and SMS) configured, and the workers running as serve runs them. */
interface Installation {
  database: TestDatabase;
  clock: RealTimeClock;
  context: ReturnType<typeof newServiceContext> & { secrets: SecretBox };
  smtp: MailSink;
  errors: string[];
  stop(): Promise<void>;
}

async function startInstallation(
  dialect: Dialect,
  start: string,
  policy: string,
  /** Who writes and who approves `policy`. */
  policyAuthors: [string, string],
): Promise<Installation> {
  const database = await createTestDatabase(dialect);
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-bench-'));
  const clock = new RealTimeClock(start);
  const context = {
    ...newServiceContext(database.store, clock),
    secrets: new SecretBox({ path: join(dir, 'secrets.key') }),
  };
  const smtp = await startMailSink();
  const sms: TestHttpReceiver = await startHttpReceiver();
  await context.activatePolicy(policy, ...policyAuthors);
  await database.store.db.transaction().execute(async (trx) => {
    await setSmtpSettings(
      trx,
      context,
      {
        host: '127.0.0.1',
        port: smtp.port,
        security: 'none',
        user: SMTP_LOGIN.user,
        password: SMTP_LOGIN.password,
        from: 'keywarden@riverside.example',
      },
      'bench',
    );
    await setSmsSettings(
      trx,
      context,
      { baseUrl: sms.url, accountSid: 'AC0123456789', authToken: 'bench-sms-token', from: '+15550001111' },
      'bench',
    );
  });
  const errors: string[] = [];
  const note = (error: unknown) => errors.push(error instanceof Error ? error.message : String(error));
  const workers = startRuleWorkers(context, { onError: (error) => note(error) });
  const delivery = startNotificationDelivery(context, database.url, { onError: note });
  return {
    database,
    clock,
    context,
    smtp,
    errors,
    stop: async () => {
      await workers.stop();
      await delivery.stop();
      closeEmailConnections(); // as the app context does when serve shuts down
      await smtp.close();
      await sms.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Waits until `done()` or `timeoutMs`; true when done. */
async function waitUntil(done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await done()) return true;
    await sleep(50);
  }
  return done();
}

/** Nothing left for the router or the sender (the policy's own events routed, their messages out). */
async function quiet(installation: Installation): Promise<boolean> {
  const db = installation.database.store.db;
  const events = await db.selectFrom('outbox').select('id').where('status', '=', 'pending').execute();
  const messages = await db
    .selectFrom('notification_messages')
    .select('id')
    .where('status', 'in', ['pending', 'sending'])
    .execute();
  return events.length === 0 && messages.length === 0;
}

interface Latencies {
  sorted: number[];
  /** Expected samples that never arrived within the wait. */
  missing: number;
}

function latencies(values: number[], expected: number): Latencies {
  return { sorted: [...values].sort((a, b) => a - b), missing: expected - values.length };
}

const ms = (value: number) => `${fmt(value)} ms`;
const loads = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function printLatencies(rows: [string, Latencies][]): void {
  printTable([
    ['latency', 'n', 'min', 'p25', 'median', 'p75', 'p95', 'p99', 'max', 'missing'],
    ...rows.map(([label, l]) => [
      label,
      fmt(l.sorted.length),
      ms(l.sorted[0] ?? Number.NaN),
      ms(quantile(l.sorted, 0.25)),
      ms(quantile(l.sorted, 0.5)),
      ms(quantile(l.sorted, 0.75)),
      ms(quantile(l.sorted, 0.95)),
      ms(quantile(l.sorted, 0.99)),
      ms(l.sorted[l.sorted.length - 1] ?? Number.NaN),
      String(l.missing),
    ]),
  ]);
}

/** The verdict on a target (null: a figure without one, such as the flat-out headroom run). */
function verdict(l: Latencies, target: number | null): string {
  if (target === null) return 'no target (headroom)';
  const met = quantile(l.sorted, 0.95) < target && l.missing === 0;
  return `target p95 < ${fmt(target)} ms: ${met ? 'met' : 'NOT met'}`;
}

function summary(what: string, l: Latencies, target: number | null, note: string): SummaryRow {
  return {
    what,
    value: `p95 ${ms(quantile(l.sorted, 0.95))}`,
    spread: `${ms(l.sorted[0] ?? Number.NaN)}..${ms(l.sorted[l.sorted.length - 1] ?? Number.NaN)}`,
    note: `median ${ms(quantile(l.sorted, 0.5))}; ${verdict(l, target)}${
      l.missing ? `; ${l.missing} missing` : ''
    }; ${note}`,
  };
}

// ---- 1. Checkout commit -> e-mail accepted -----------------------------------------------------------------

/** Who takes which car (maxKeysOut 1 each; every officer's supervisor has an e-mail address). */
const TAKERS = [
  { person: 'p-ruiz', key: 'car-101', slot: 1 },
  { person: 'p-novak', key: 'car-102', slot: 2 },
  { person: 'p-chen', key: 'car-103', slot: 3 },
];
const NIGHT_FACTORS: FactorKind[] = ['pin', 'badge'];

/** `ratePerS` null: one client as fast as it goes (the sender's headroom); warm-up is always at RATE_PER_S. */
async function benchEmail(dialect: Dialect, ratePerS: number | null): Promise<{ row: SummaryRow }> {
  const installation = await startInstallation(dialect, WEDNESDAY_NIGHT, RIVERSIDE_POLICY, [
    'p-okafor',
    'p-chen',
  ]);
  const { clock, context, smtp } = installation;
  const db = installation.database.store.db;
  try {
    await waitUntil(() => quiet(installation), 30_000);
    const committedAt = new Map<string, number>();
    const takeAndReturn = async (n: number, measured: boolean) => {
      const taker = TAKERS[n % TAKERS.length] as (typeof TAKERS)[number];
      const outcome = await db.transaction().execute((trx) =>
        recordCheckout(trx, context, {
          person: taker.person,
          key: taker.key,
          factors: NIGHT_FACTORS,
          reason: 'vehicle-swap',
        }),
      );
      const committed = Date.now();
      if (!outcome.ok) throw new Error(`checkout refused: ${outcome.decision.explanation}`);
      if (!outcome.decision.afterHours) throw new Error('the clock is not after hours');
      if (measured) committedAt.set(outcome.checkout.id, committed);
      await db
        .transaction()
        .execute((trx) =>
          recordReturn(trx, context, { key: taker.key, cabinet: 'central-a', slot: taker.slot }),
        );
    };

    const run = async (count: number, measured: boolean, rate: number | null) => {
      const interval = rate === null ? 0 : 1000 / rate;
      const started = Date.now();
      for (let n = 0; n < count; n++) {
        await sleep(started + n * interval - Date.now());
        await takeAndReturn(n, measured);
      }
      return Date.now() - started;
    };
    await run(WARMUP, false, RATE_PER_S);
    await waitUntil(() => smtp.accepted.size >= WARMUP, 30_000);
    const loadBefore = loads();
    const cpu = process.cpuUsage();
    const wallStarted = Date.now();
    const elapsed = await run(CHECKOUTS, true, ratePerS);
    const delivered = await waitUntil(() => smtp.accepted.size >= WARMUP + CHECKOUTS, 120_000);
    const used = process.cpuUsage(cpu);
    const wall = Date.now() - wallStarted;
    const loadAfter = loads();
    const reached = (CHECKOUTS / elapsed) * 1000;

    const messages = await db
      .selectFrom('notification_messages as m')
      .innerJoin('outbox as o', 'o.id', 'm.event_id')
      .select(['m.id', 'm.created_at', 'm.attempts', 'o.payload'])
      .where('m.channel', '=', 'email')
      .where('o.event_type', '=', 'checkout')
      .execute();
    const total: number[] = [];
    const routed: number[] = [];
    const sent: number[] = [];
    let retried = 0;
    let lastAccepted = 0;
    for (const message of messages) {
      const checkout = (JSON.parse(message.payload) as { checkout: string }).checkout;
      const committed = committedAt.get(checkout);
      if (committed === undefined) continue;
      const written = clock.wall(message.created_at);
      routed.push(written - committed);
      const accepted = smtp.accepted.get(message.id);
      if (accepted === undefined) continue;
      total.push(accepted - committed);
      lastAccepted = Math.max(lastAccepted, accepted);
      sent.push(accepted - written);
      if (Number(message.attempts) > 1) retried++;
    }

    const firstCommitted = Math.min(...committedAt.values());
    const mailsPerS = (total.length / (lastAccepted - firstCommitted)) * 1000;
    console.log(
      `${fmt(CHECKOUTS)} after-hours checkouts (each followed by its return) ${
        ratePerS === null ? 'as fast as one client goes' : `at a target ${ratePerS}/s`
      } from one client: reached ${fmt(reached, 1)}/s over ${(elapsed / 1000).toFixed(1)} s; e-mails accepted at ${fmt(mailsPerS, 1)}/s (first commit to last mail); ${
        delivered ? 'every e-mail accepted' : `only ${smtp.accepted.size - WARMUP} e-mails accepted`
      }; ${retried} needed a retry; this process ${fmt((used.user + used.system) / 1000 / (wall / 1000) / 10)}% of a core until the last mail; ` +
        `load average ${loadBefore} before, ${loadAfter} after; worker errors: ${installation.errors.length}` +
        (installation.errors.length ? ` (first: ${installation.errors[0]})` : ''),
    );
    const all = latencies(total, committedAt.size);
    printLatencies([
      ['commit -> SMTP accepted', all],
      ['  commit -> message row written', latencies(routed, committedAt.size)],
      ['  row written -> SMTP accepted', latencies(sent, committedAt.size)],
    ]);
    const target = ratePerS === null ? null : EMAIL_TARGET_P95_MS;
    console.log(verdict(all, target));
    return {
      row: summary(
        `after-hours checkout commit -> e-mail accepted, ${ratePerS === null ? 'flat out' : `${ratePerS}/s`}, ${dialect}`,
        all,
        target,
        `${fmt(reached, 1)} checkouts/s, ${fmt(mailsPerS, 1)} mails/s`,
      ),
    };
  } finally {
    await installation.stop();
  }
}

// ---- 2. Due time -> overdue event --------------------------------------------------------------------------

/** The fleet policy with e-mail addresses and the Riverside `overdue` rule (holder and supervisor). */
function overduePolicy(cars: number): string {
  const fleet = buildFleetPolicy({ keys: cars, officers: cars });
  const policy = fleet
    .replace(
      /\{ id: (p-\d+), name: (Officer \d+), roles: \[officer\], supervisor: p-admin \}/g,
      '{ id: $1, name: $2, roles: [officer], supervisor: p-admin, email: $1@fleet.example }',
    )
    .replace(
      '{ id: p-admin, name: Ada Admin, roles: [admin] }',
      '{ id: p-admin, name: Ada Admin, roles: [admin], email: p-admin@fleet.example }',
    )
    .replace(
      'notifications:\n',
      'notifications:\n  - { id: overdue, on: [overdue], to: [person, supervisor], via: [email] }\n',
    );
  if (!policy.includes('email: p-0001@fleet.example') || !policy.includes('id: overdue, on: [overdue]'))
    throw new Error('the fleet policy changed: the overdue variant no longer applies');
  return policy;
}

async function benchOverdue(dialect: Dialect): Promise<{ row: SummaryRow }> {
  const installation = await startInstallation(dialect, WEDNESDAY_MORNING, overduePolicy(OVERDUE_CHECKOUTS), [
    FLEET_AUTHOR,
    FLEET_APPROVER,
  ]);
  const { clock, context, smtp } = installation;
  const db = installation.database.store.db;
  try {
    await waitUntil(() => quiet(installation), 30_000);
    const loadBefore = loads();
    const firstDue = clock.now().getTime() + OVERDUE_FIRST_DUE_MS;
    const step = OVERDUE_SPREAD_MS / OVERDUE_CHECKOUTS;
    const started = Date.now();
    for (let n = 0; n < OVERDUE_CHECKOUTS; n++) {
      await db.transaction().execute(async (trx) => {
        const outcome = await recordCheckout(trx, context, {
          person: fleetOfficerId(n),
          key: fleetKeyId(n),
          factors: ['pin'],
        });
        if (!outcome.ok) throw new Error(`checkout refused: ${outcome.decision.explanation}`);
        // In the checkout's own transaction, so the scheduler, woken by its commit, sees this due time.
        await trx
          .updateTable('checkouts')
          .set({ due_at: new Date(firstDue + n * step).toISOString() })
          .where('id', '=', outcome.checkout.id)
          .execute();
      });
    }
    const written = Date.now() - started;
    const lastDue = firstDue + (OVERDUE_CHECKOUTS - 1) * step;
    const overdueCount = async () =>
      (await db.selectFrom('checkout_alerts').select('checkout_id').where('kind', '=', 'overdue').execute())
        .length;
    await waitUntil(
      async () => clock.now().getTime() > lastDue && (await overdueCount()) >= OVERDUE_CHECKOUTS,
      lastDue - clock.now().getTime() + 20_000,
    );
    // Then the overdue e-mails (two per checkout: the holder and the supervisor).
    await waitUntil(() => quiet(installation), 20_000);
    const loadAfter = loads();

    const entries = await db
      .selectFrom('audit_entries')
      .select(['at', 'data'])
      .where('type', '=', 'checkout.overdue')
      .execute();
    const late = entries.map((entry) => {
      const data = JSON.parse(entry.data) as { dueAt: string };
      return Date.parse(entry.at) - Date.parse(data.dueAt);
    });
    const mails = await db
      .selectFrom('notification_messages as m')
      .innerJoin('outbox as o', 'o.id', 'm.event_id')
      .select(['m.id', 'o.payload'])
      .where('m.channel', '=', 'email')
      .where('o.event_type', '=', 'overdue')
      .execute();
    const mailLate: number[] = [];
    for (const mail of mails) {
      const accepted = smtp.accepted.get(mail.id);
      const dueAt = (JSON.parse(mail.payload) as { dueAt: string }).dueAt;
      if (accepted !== undefined) mailLate.push(accepted - clock.wall(dueAt));
    }
    console.log(
      `${fmt(OVERDUE_CHECKOUTS)} checkouts written in ${(written / 1000).toFixed(1)} s, due one every ${fmt(step)} ms ` +
        `from ${OVERDUE_FIRST_DUE_MS / 1000} s after the start; reminders (15 min lead) at once; ` +
        `load average ${loadBefore} before, ${loadAfter} after; worker errors: ${installation.errors.length}` +
        (installation.errors.length ? ` (first: ${installation.errors[0]})` : ''),
    );
    const overdue = latencies(late, OVERDUE_CHECKOUTS);
    printLatencies([
      ['due time -> overdue event', overdue],
      ['due time -> overdue e-mail accepted', latencies(mailLate, 2 * OVERDUE_CHECKOUTS)],
    ]);
    console.log(verdict(overdue, OVERDUE_TARGET_P95_MS));
    return {
      row: summary(
        `due time -> overdue event, ${dialect}`,
        overdue,
        OVERDUE_TARGET_P95_MS,
        `${fmt(OVERDUE_CHECKOUTS)} due over ${OVERDUE_SPREAD_MS / 1000} s`,
      ),
    };
  } finally {
    await installation.stop();
  }
}

/** Runs both parts on every dialect this machine has (or the parts whose label contains `only`). */
export async function runNotificationsBench(only?: string): Promise<SummaryRow[]> {
  const parts: { label: string; run: () => Promise<{ row: SummaryRow }> }[] = [];
  for (const dialect of await testDialects()) {
    const name = dialect === 'sqlite' ? 'SQLite WAL synchronous=FULL' : 'PostgreSQL';
    parts.push({
      label: `Notifications: checkout -> e-mail latency at ${RATE_PER_S}/s, ${name}`,
      run: () => benchEmail(dialect, RATE_PER_S),
    });
    parts.push({
      label: `Notifications: checkout -> e-mail latency, one client flat out, ${name}`,
      run: () => benchEmail(dialect, null),
    });
    parts.push({
      label: `Notifications: due time -> overdue latency, ${name}`,
      run: () => benchOverdue(dialect),
    });
  }
  const rows: SummaryRow[] = [];
  for (const part of parts.filter((p) => !only || p.label.toLowerCase().includes(only.toLowerCase()))) {
    heading(part.label);
    rows.push((await part.run()).row);
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await runNotificationsBench(process.argv[2]);
  heading('Summary');
  printTable([
    ['figure', 'median / value', 'spread', 'note'],
    ...rows.map((r) => [r.what, r.value, r.spread, r.note]),
  ]);
}

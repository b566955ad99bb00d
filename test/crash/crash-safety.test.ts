/**
 * Durability of the checkout path against a crash: a worker process streams checkouts and returns and
 * acknowledges each checkout only after its commit; it is killed with SIGKILL in mid-stream, the database is
 * reopened and the worker restarted, several times over. Every acknowledged checkout must be there, keys
 * must agree with the open checkouts, every checkout and return must have its audit entry and outbox row,
 * and the audit chain must recompute from genesis to the head with no gap. SQLite runs in its default
 * synchronous=FULL mode.
 *
 * What SIGKILL proves and what it does not: the process dies between any two instructions, mid-transaction
 * included, so this shows that nothing is acknowledged before it is committed and that a torn transaction
 * leaves nothing behind. The operating system survives, so it does not show that a commit reached the disk
 * (a power cut would; synchronous=FULL and synchronous_commit=on are what cover that).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditDatabase } from '../../src/audit/audit-verify.js';
import { buildFleetPolicy, FLEET_APPROVER, FLEET_AUTHOR } from '../../src/checkouts/fleet-policy.testing.js';
import {
  checkCheckoutRecords,
  checkKeyInvariants,
  verifyAuditChain,
} from '../../src/checkouts/store-invariants.testing.js';
import { openStore } from '../../src/store/database.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../../src/store/test-databases.js';
import { newServiceContext, TestClock } from '../../src/testing/service-context.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = fileURLToPath(new URL('./checkout-stream-worker.ts', import.meta.url));
const KEYS = 6;
const CRASHES = 3;
const WORKER_APPLICATION = 'keywarden-crash-worker';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface WorkerRun {
  acked: string[];
  recovered: string[];
  signal: NodeJS.Signals | null;
}

/**
 * Starts the worker, kills it with SIGKILL right after its `killAfter`-th ACK (plus up to 3 ms, so that the
 * kill lands at different points of the next transaction), and reports what it acknowledged.
 */
async function runWorkerUntilKilled(url: string, killAfter: number): Promise<WorkerRun> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', WORKER, url, String(KEYS)],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const run: WorkerRun = { acked: [], recovered: [], signal: null };
  // 'close' comes after the exit and after stdout has delivered every line the worker wrote before dying.
  const closed = new Promise<void>((resolve) =>
    child.once('close', (_code, signal) => {
      run.signal = signal;
      resolve();
    }),
  );
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const [kind, id] = line.split(' ');
    if (kind === 'RECOVERED' && id) run.recovered.push(id);
    if (kind === 'ACK' && id) {
      run.acked.push(id);
      if (run.acked.length === killAfter) {
        const delay = Math.floor(Math.random() * 4);
        if (delay === 0) child.kill('SIGKILL');
        else setTimeout(() => child.kill('SIGKILL'), delay);
      }
    }
  });
  const timeout = setTimeout(() => child.kill('SIGKILL'), 40_000);
  await closed;
  clearTimeout(timeout);
  if (run.signal !== 'SIGKILL' || run.acked.length < killAfter)
    throw new Error(`the worker ended on its own (${run.signal}) after ${run.acked.length} acks:\n${stderr}`);
  return run;
}

/** PostgreSQL keeps running a killed client's transaction until it notices the closed socket: wait for that. */
async function waitForWorkerSessionsToEnd(url: string): Promise<void> {
  if (!url.startsWith('postgres')) return;
  const store = openStore(url);
  try {
    for (let tries = 0; tries < 200; tries++) {
      const { rows } = await sql<{ pid: number }>`
        select pid from pg_stat_activity where application_name = ${WORKER_APPLICATION}`.execute(store.db);
      if (rows.length === 0) return;
      await sleep(50);
    }
    throw new Error('the killed worker still has a session open');
  } finally {
    await store.close();
  }
}

for (const dialect of await testDialects()) {
  describe(`crash safety (${dialect})`, () => {
    let database: TestDatabase;

    beforeEach(async () => {
      database = await createTestDatabase(dialect);
    });
    afterEach(async () => {
      await database.drop();
    });

    it('keeps every acknowledged checkout and an intact audit chain across SIGKILL in mid-stream', async () => {
      expect(database.url).not.toContain('synchronous=normal');
      const ctx = newServiceContext(database.store, new TestClock(Date.parse('2026-11-25T14:00:00Z')));
      await ctx.activatePolicy(
        buildFleetPolicy({ keys: KEYS, officers: KEYS }),
        FLEET_AUTHOR,
        FLEET_APPROVER,
      );
      const workerUrl =
        dialect === 'postgres' ? `${database.url}?application_name=${WORKER_APPLICATION}` : database.url;

      const acknowledged: string[] = [];
      let recoveries = 0;
      for (let crash = 0; crash < CRASHES; crash++) {
        const run = await runWorkerUntilKilled(workerUrl, 20 + Math.floor(Math.random() * 20));
        acknowledged.push(...run.acked);
        recoveries += run.recovered.length;
        if (crash > 0) expect(run.recovered.length).toBeLessThanOrEqual(1);
        await waitForWorkerSessionsToEnd(database.url);

        // Restart: a fresh connection, as a restarted server would open.
        const reopened = openStore(database.url);
        try {
          const db = reopened.db;
          const stored = new Set(
            (await db.selectFrom('checkouts').select('id').execute()).map((row) => row.id),
          );
          const lost = acknowledged.filter((id) => !stored.has(id));
          expect(lost, `acknowledged checkouts missing after crash ${crash + 1}`).toEqual([]);
          // At most one checkout per run committed without its ACK being read (killed between commit and print).
          expect(stored.size).toBeLessThanOrEqual(acknowledged.length + crash + 1);
          expect(await checkKeyInvariants(db)).toEqual([]);
          expect(await checkCheckoutRecords(db)).toEqual([]);
          const chain = await verifyAuditChain(db);
          expect(chain.problems).toEqual([]);
          const verified = await verifyAuditDatabase(db, { url: database.url });
          expect(verified.failure).toBeNull();
          expect(verified).toMatchObject({ ok: true, entries: chain.entries });
          const open = await db.selectFrom('checkouts').select('id').where('status', '=', 'open').execute();
          expect(open.length).toBeLessThanOrEqual(1);
        } finally {
          await reopened.close();
        }
      }
      expect(acknowledged.length).toBeGreaterThanOrEqual(CRASHES * 20);
      expect(recoveries).toBeLessThanOrEqual(CRASHES - 1);
    }, 60_000);
  });
}

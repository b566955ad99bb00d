/**
 * One authenticator code presented twice at the same moment is accepted once, on both databases: by two
 * connections of one process racing the conditional update itself, and by two processes released together.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeBase32, totpCode } from '../domain/credentials/totp.js';
import { openStore, type Store } from '../store/database.js';
import { testDialects } from '../store/test-databases.js';
import { acceptTotpStep } from './credentials.queries.js';
import { enrolTotp } from './credentials.service.js';
import { auditRows, type CredentialTestBed, createCredentialTestBed } from './credentials.testing.js';
import type { FactorVerification } from './factor-verification.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONTENDER = fileURLToPath(new URL('./totp-contender.testing.ts', import.meta.url));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * In one process a second SQLite connection waiting for the write lock would block the event loop the first
 * needs to commit, so it does not wait (busy_timeout 0) and retries after yielding.
 */
async function retryWhileBusy<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || attempt > 2000) throw error;
      await sleep(1);
    }
  }
}

function startContender(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', CONTENDER, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const lines = createInterface({ input: child.stdout });
  const failed = (what: string) => async (): Promise<never> => {
    const code = await exited;
    throw new Error(`contender exited (${code}) before ${what}:\n${stderr}`);
  };
  const ready = Promise.race([
    new Promise<void>((resolve) => lines.on('line', (line) => line === 'READY' && resolve())),
    exited.then(failed('READY')),
  ]);
  const result = Promise.race([
    new Promise<FactorVerification>((resolve) =>
      lines.on('line', (line) => {
        if (line.startsWith('{')) resolve(JSON.parse(line) as FactorVerification);
      }),
    ),
    exited.then(failed('its result')),
  ]);
  return { child, ready, result, exited };
}

for (const dialect of await testDialects()) {
  describe(`one authenticator code presented twice at once (${dialect})`, () => {
    let bed: CredentialTestBed;
    const stores: Store[] = [];

    beforeEach(async () => {
      bed = await createCredentialTestBed(dialect);
    });
    afterEach(async () => {
      for (const store of stores.splice(0)) await store.close();
      await bed.drop();
    });

    async function openSecondStore(): Promise<Store> {
      const store = openStore(bed.database.url);
      if (store.dialect === 'sqlite') await sql`pragma busy_timeout = 0`.execute(store.db);
      stores.push(store);
      return store;
    }

    it('lets only one of two connections move the last used step, whoever commits first', async () => {
      const { credentialId } = await bed.db
        .transaction()
        .execute((trx) => enrolTotp(trx, bed.context, 'p-ruiz'));
      const [a, b] = [await openSecondStore(), await openSecondStore()];
      const at = bed.clock.now().toISOString();
      for (let step = 1000; step < 1010; step++) {
        // A holds its update uncommitted for a moment while B tries the same step.
        let releaseA = () => {};
        const aHolds = new Promise<void>((resolve) => {
          releaseA = resolve;
        });
        const first = retryWhileBusy(() =>
          a.db.transaction().execute(async (trx) => {
            const won = await acceptTotpStep(trx, credentialId, step, at);
            await aHolds;
            return won;
          }),
        );
        await sleep(5);
        const second = retryWhileBusy(() =>
          b.db.transaction().execute((trx) => acceptTotpStep(trx, credentialId, step, at)),
        );
        await sleep(20);
        releaseA();
        expect(await Promise.all([first, second])).toEqual([true, false]);
      }
      const row = await bed.db
        .selectFrom('credentials')
        .select('counter')
        .where('id', '=', credentialId)
        .executeTakeFirstOrThrow();
      expect(row.counter).toBe(1009);
    });

    it('accepts a code once when two processes present it at the same moment', async () => {
      const { secret } = await bed.db.transaction().execute((trx) => enrolTotp(trx, bed.context, 'p-ruiz'));
      const at = bed.clock.now().getTime();
      for (let round = 0; round < 2; round++) {
        const instant = at + round * 30_000;
        const code = await totpCode(decodeBase32(secret), instant, {
          algorithm: 'SHA1',
          digits: 6,
          stepSeconds: 30,
        });
        const args = [bed.database.url, bed.secretsKeyPath, 'p-ruiz', String(instant), code];
        const contenders = [startContender(args), startContender(args)];
        try {
          await Promise.all(contenders.map((c) => c.ready));
          for (const c of contenders) c.child.stdin.write('GO\n');
          const results = await Promise.all(contenders.map((c) => c.result));
          expect(results.filter((r) => r.ok)).toHaveLength(1);
          expect(results.find((r) => !r.ok)).toMatchObject({ reason: 'replayed' });
          expect(await Promise.all(contenders.map((c) => c.exited))).toEqual([0, 0]);
        } finally {
          for (const c of contenders) c.child.kill();
        }
      }
      const outcomes = await auditRows(bed.db, ['auth.factor-succeeded', 'auth.factor-failed']);
      expect(outcomes.map((e) => e.type).sort()).toEqual([
        'auth.factor-failed',
        'auth.factor-failed',
        'auth.factor-succeeded',
        'auth.factor-succeeded',
      ]);
    }, 60_000);
  });
}

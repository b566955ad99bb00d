/**
 * Waking on commit: an outbox event wakes the event router's channel when its transaction commits, and a
 * rolled-back one wakes no one that would find nothing. On PostgreSQL through the outbox insert trigger
 * and LISTEN (a listener connection of its own, as `serve` runs it); on SQLite in memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testDialects } from '../store/test-databases.js';
import { enqueueOutboxEvent } from './outbox.js';
import { onWake, WAKE_CHANNELS, wakeOnCommit } from './wake.js';
import { listenForWakes, type WakeListener } from './wake-listener.js';

/** Resolves with how many wakes of `channel` arrive within `ms`. */
function countWakes(channel: (typeof WAKE_CHANNELS)[keyof typeof WAKE_CHANNELS], ms: number) {
  let count = 0;
  const stop = onWake(channel, () => {
    count += 1;
  });
  return new Promise<number>((resolve) =>
    setTimeout(() => {
      stop();
      resolve(count);
    }, ms),
  );
}

for (const dialect of await testDialects()) {
  describe(`waking on commit on ${dialect}`, () => {
    let database: TestDatabase;
    let listener: WakeListener | null = null;
    const event = (at: string) => ({ eventType: 'checkout', payload: { key: 'car-101' }, at });

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      if (dialect === 'postgres') {
        listener = listenForWakes(database.url);
        await listener.ready;
      }
    });

    afterAll(async () => {
      await listener?.close();
      await database.drop();
    });

    it('wakes the event router when an outbox event commits', async () => {
      const woken = countWakes(WAKE_CHANNELS.outbox, 500);
      await database.store.db
        .transaction()
        .execute((trx) => enqueueOutboxEvent(trx, event('2026-11-27T08:30:00.000Z')));
      expect(await woken).toBeGreaterThanOrEqual(1);
    });

    if (dialect === 'postgres') {
      it('wakes no one when the transaction rolls back', async () => {
        const woken = countWakes(WAKE_CHANNELS.outbox, 500);
        await expect(
          database.store.db.transaction().execute(async (trx) => {
            await enqueueOutboxEvent(trx, event('2026-11-27T08:31:00.000Z'));
            throw new Error('roll back');
          }),
        ).rejects.toThrow('roll back');
        expect(await woken).toBe(0);
      });

      it('sends one notify per transaction, however many outbox rows it writes', async () => {
        const woken = countWakes(WAKE_CHANNELS.outbox, 500);
        await database.store.db.transaction().execute(async (trx) => {
          for (let i = 0; i < 5; i++) await enqueueOutboxEvent(trx, event(`2026-11-27T08:4${i}:00.000Z`));
        });
        // PostgreSQL folds identical notifications of one transaction into one.
        expect(await woken).toBe(1);
      });
    }

    it('wakes the sender when a message is written', async () => {
      const woken = countWakes(WAKE_CHANNELS.messages, 500);
      await database.store.db.transaction().execute((trx) => wakeOnCommit(trx, WAKE_CHANNELS.messages));
      expect(await woken).toBe(1);
    });
  });
}

/**
 * Databases for tests: every data-layer test runs once per dialect, SQLite always and PostgreSQL where a
 * server answers (DATABASE_URL_PG, else the local server). Each test database is created fresh and dropped
 * afterwards, so runs never collide. With KEYWARDEN_REQUIRE_PG=1 (CI) a missing PostgreSQL is an error, not
 * a silent skip.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Dialect, openStore, type Store } from './database.js';
import { migrateToLatest } from './migrate.js';

const PG_ADMIN_URL = process.env.DATABASE_URL_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

let dialects: Promise<Dialect[]> | null = null;

/** The dialects to test on this machine. */
export function testDialects(): Promise<Dialect[]> {
  dialects ??= postgresAnswers().then((ok) => {
    if (ok) return ['sqlite', 'postgres'] as Dialect[];
    if (process.env.KEYWARDEN_REQUIRE_PG === '1')
      throw new Error(`PostgreSQL is required but ${PG_ADMIN_URL} does not answer`);
    console.warn(`PostgreSQL at ${PG_ADMIN_URL} does not answer: database tests run on SQLite only`);
    return ['sqlite'] as Dialect[];
  });
  return dialects;
}

export interface TestDatabase {
  url: string;
  store: Store;
  /** Closes the store and deletes the database. */
  drop(): Promise<void>;
}

/** A fresh, migrated database of one dialect. */
export async function createTestDatabase(
  dialect: Dialect,
  options: { synchronous?: 'full' | 'normal' } = {},
): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'keywarden-test-'));
    const url = `sqlite:${join(dir, 'test.db')}${options.synchronous ? `?synchronous=${options.synchronous}` : ''}`;
    const store = openStore(url);
    await migrateToLatest(store.db);
    return {
      url,
      store,
      drop: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `keywarden_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = PG_ADMIN_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  const store = openStore(url);
  await migrateToLatest(store.db);
  return {
    url,
    store,
    drop: async () => {
      await store.close();
      const client = new pg.Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

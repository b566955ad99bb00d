/**
 * Opens the database named by a URL: `sqlite:PATH` (the embedded default) or `postgres://...`.
 * SQLite runs in WAL mode with synchronous=FULL unless the URL asks for `?synchronous=normal`, so an
 * acknowledged checkout survives a power cut; PostgreSQL keeps its default synchronous_commit=on.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';
import { KeywardenSqliteDialect } from './sqlite-dialect.js';

export type Dialect = 'sqlite' | 'postgres';

export const DEFAULT_DATABASE_URL = 'sqlite:./data/keywarden.db';

export interface Store {
  db: Kysely<DB>;
  dialect: Dialect;
  /** The URL without any password, for messages and logs. */
  displayUrl: string;
  close(): Promise<void>;
}

export class DatabaseUrlError extends Error {
  override name = 'DatabaseUrlError';
}

// COUNT(*) and other bigints come back as text by default; our counts fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** The URL to use: the `--db` option, then KEYWARDEN_DB, then the embedded default. */
export function resolveDatabaseUrl(option?: string): string {
  return option ?? process.env.KEYWARDEN_DB ?? DEFAULT_DATABASE_URL;
}

/** Hides the password of a PostgreSQL URL. */
export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]+):[^@]*@/, '$1:***@');
}

/**
 * Opens a store. Does not migrate: call migrateToLatest (start-up does).
 * @example const store = openStore('sqlite:./data/keywarden.db')
 */
export function openStore(url: string): Store {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return openPostgres(url);
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  throw new DatabaseUrlError(
    `"${redactUrl(url)}" is not a database URL: use sqlite:PATH or postgres://USER@HOST:PORT/DB`,
  );
}

function openSqlite(spec: string): Store {
  const [path = '', query = ''] = spec.split('?');
  const params = new URLSearchParams(query);
  const synchronous = (params.get('synchronous') ?? 'full').toUpperCase();
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') {
    throw new DatabaseUrlError(
      `synchronous must be full (the default) or normal, not "${params.get('synchronous')}"`,
    );
  }
  if (path === '')
    throw new DatabaseUrlError('sqlite: needs a file path, such as sqlite:./data/keywarden.db');
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SqliteDatabase(path);
  database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${synchronous}`);
  database.pragma('foreign_keys = ON');
  // Checkpoint the WAL every 8,000 pages (about 32 MiB) instead of SQLite's 1,000. A checkpoint copies only the
  // latest version of each page into the database, and a checkout rewrites the same hot pages (the key, its
  // slot, the audit head, the tails of the indexes) every time, so rarer checkpoints copy and fsync far less
  // per checkout: commit time fell by about a fifth in both synchronous modes (bench/checkouts.bench.ts).
  // Durability does not depend on it: a commit is durable once in the WAL (fsynced at each commit with FULL),
  // and recovery replays the WAL. The cost is a larger WAL file and a longer recovery after a crash (reading
  // up to 32 MiB); journal_size_limit trims the file back after a checkpoint if it ever grew beyond 64 MiB.
  database.pragma('wal_autocheckpoint = 8000');
  database.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  // Another process holding the write lock makes us wait, not fail.
  database.pragma('busy_timeout = 10000');
  const db = new Kysely<DB>({ dialect: new KeywardenSqliteDialect(database) });
  return { db, dialect: 'sqlite', displayUrl: `sqlite:${spec}`, close: () => db.destroy() };
}

function openPostgres(url: string): Store {
  const pool = new pg.Pool({ connectionString: url, max: Number(process.env.KEYWARDEN_PG_POOL ?? 10) });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', displayUrl: redactUrl(url), close: () => db.destroy() };
}

import { type Kysely, PostgresAdapter } from 'kysely';
import type { Dialect } from './database.js';

/** Which database a Kysely instance or transaction talks to, for the few statements that differ. */
// biome-ignore lint/suspicious/noExplicitAny: works for any schema, including migrations'.
export function dialectOf(db: Kysely<any>): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

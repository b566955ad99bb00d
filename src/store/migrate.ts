/** Brings a database to the latest schema. Migrations are listed here by ISO date, oldest first. */
import { type Kysely, type Migration, Migrator } from 'kysely';
import * as initial from './migrations/2026-11-27-initial.js';
import type { DB } from './schema.js';

const MIGRATIONS: Record<string, Migration> = {
  '2026-11-27-initial': initial,
};

export interface MigrationReport {
  applied: string[];
}

/** Applies every migration not yet applied; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<DB>): Promise<MigrationReport> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error) {
    const name = failed ? ` "${failed.migrationName}"` : '';
    throw new Error(`migration${name} failed: ${(error as Error).message}`, { cause: error });
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

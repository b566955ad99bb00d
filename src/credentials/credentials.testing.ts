/**
 * Helpers for the credentials tests: a service context with a secrets key in a temp directory, a database
 * with the Riverside policy active, and the audit rows as text to search for secrets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Dialect } from '../store/database.js';
import type { DB } from '../store/schema.js';
import { createTestDatabase, type TestDatabase } from '../store/test-databases.js';
import { newServiceContext, TestClock } from '../testing/service-context.js';
import type { FactorContext } from './factor-verification.js';
import { SecretBox } from './secret-box.js';

export const WEDNESDAY_MORNING = '2026-11-25T16:30:00.000Z';

export interface CredentialTestBed {
  database: TestDatabase;
  db: Kysely<DB>;
  clock: TestClock;
  context: ReturnType<typeof newServiceContext> & FactorContext;
  secretsKeyPath: string;
  dir: string;
  drop(): Promise<void>;
}

/** A fresh database with the Riverside policy active, and a context whose secrets key lives in a temp dir. */
export async function createCredentialTestBed(dialect: Dialect): Promise<CredentialTestBed> {
  const database = await createTestDatabase(dialect, { synchronous: 'normal' });
  const clock = new TestClock(Date.parse(WEDNESDAY_MORNING));
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-credentials-'));
  const secretsKeyPath = join(dir, 'secrets.key');
  const context = {
    ...newServiceContext(database.store, clock),
    secrets: new SecretBox({ path: secretsKeyPath }),
  };
  await context.activatePolicy();
  return {
    database,
    db: database.store.db,
    clock,
    context,
    secretsKeyPath,
    dir,
    drop: async () => {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface AuditRow {
  seq: number;
  type: string;
  actor: string | null;
  person: string | null;
  cabinet: string | null;
  data: Record<string, unknown>;
}

export async function auditRows(db: Kysely<DB>, types?: string[]): Promise<AuditRow[]> {
  let query = db.selectFrom('audit_entries').selectAll().orderBy('seq');
  if (types) query = query.where('type', 'in', types);
  const rows = await query.execute();
  return rows.map((row) => ({
    seq: row.seq,
    type: row.type,
    actor: row.actor_id,
    person: row.person_id,
    cabinet: row.cabinet_id,
    data: JSON.parse(row.data) as Record<string, unknown>,
  }));
}

/** Every audit row, whole, as one text: what a secret must never appear in. */
export async function auditText(db: Kysely<DB>): Promise<string> {
  const rows = await db.selectFrom('audit_entries').selectAll().orderBy('seq').execute();
  return rows.map((row) => JSON.stringify(row)).join('\n');
}

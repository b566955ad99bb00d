/**
 * Brings a database to the latest schema. Migrations are named by ISO date and hour, so that their names
 * sort in the order they were written (Kysely applies them in name order).
 */
import { type Kysely, type Migration, Migrator } from 'kysely';
import * as initial from './migrations/2026-11-27T17-initial.js';
import * as slotsByKey from './migrations/2026-11-27T18-slots-by-key.js';
import * as authentication from './migrations/2026-11-27T19-authentication.js';
import * as directoryRevision from './migrations/2026-11-27T20-directory-revision.js';
import * as consoleTables from './migrations/2026-11-27T21-console.js';
import * as notificationMessages from './migrations/2026-11-27T22-notification-messages.js';
import * as notificationChannels from './migrations/2026-11-27T23-notification-channels.js';
import * as incidentsEscalations from './migrations/2026-11-28T00-incidents-escalations.js';
import * as apiTokens from './migrations/2026-11-28T01-api-tokens.js';
import * as approvalLinks from './migrations/2026-11-28T02-approval-links.js';
import * as outboxWakeTrigger from './migrations/2026-11-28T04-outbox-wake-trigger.js';
import * as cabinetProtocol from './migrations/2026-11-28T05-cabinet-protocol.js';
import type { DB } from './schema.js';

const MIGRATIONS: Record<string, Migration> = {
  '2026-11-27T17-initial': initial,
  '2026-11-27T18-slots-by-key': slotsByKey,
  '2026-11-27T19-authentication': authentication,
  '2026-11-27T20-directory-revision': directoryRevision,
  '2026-11-27T21-console': consoleTables,
  '2026-11-27T22-notification-messages': notificationMessages,
  '2026-11-27T23-notification-channels': notificationChannels,
  '2026-11-28T00-incidents-escalations': incidentsEscalations,
  '2026-11-28T01-api-tokens': apiTokens,
  '2026-11-28T02-approval-links': approvalLinks,
  '2026-11-28T04-outbox-wake-trigger': outboxWakeTrigger,
  '2026-11-28T05-cabinet-protocol': cabinetProtocol,
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

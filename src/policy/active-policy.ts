/**
 * The policy the running system decides with: the active version's rules, reasons, schedules, hours and
 * holidays, over the directory and inventory as they are now. Compiling is costly (thousands of people), so
 * the compiled policy is cached and rebuilt only when the active version or the directory changes.
 */
import { type Kysely, sql } from 'kysely';
import { directoryRevision } from '../directory/directory-revision.js';
import { loadDirectory } from '../directory/load-directory.js';
import { KeywardenError } from '../domain/errors.js';
import { type CompiledPolicy, compilePolicy } from '../domain/policy/compile-policy.js';
import type { PolicyFile } from '../domain/policy/policy-file.js';
import { prepareQuery } from '../store/prepared-query.js';
import type { DB } from '../store/schema.js';

/**
 * 'active' as a literal, not a bound parameter: SQLite uses the partial index policy_versions_one_active only
 * when it can see the value at prepare time. With a parameter it scans policy_versions and, to reach the
 * status column, walks the overflow pages of every version's source and document (megabytes per checkout
 * for a large organisation).
 */
const ACTIVE = sql.lit('active' as const);

export interface ActivePolicy {
  version: number;
  /** The directory revision this was compiled from. */
  directoryRevision: number;
  policy: PolicyFile;
  compiled: CompiledPolicy;
}

/** Merges the active version's policy content with today's directory and inventory. */
export function mergeWithDirectory(
  document: PolicyFile,
  directory: Awaited<ReturnType<typeof loadDirectory>>,
): PolicyFile {
  const policySites = new Map(document.sites.map((site) => [site.id, site]));
  return {
    ...document,
    // Business hours and holidays are policy; a site's name and zone are inventory.
    sites: directory.sites.map((site) => {
      const fromPolicy = policySites.get(site.id);
      return {
        ...site,
        ...(fromPolicy?.businessHours ? { businessHours: fromPolicy.businessHours } : {}),
        ...(fromPolicy?.holidays ? { holidays: fromPolicy.holidays } : {}),
      };
    }),
    cabinets: directory.cabinets,
    keyGroups: directory.keyGroups,
    keys: directory.keys,
    roles: directory.roles,
    people: directory.people,
  };
}

/** Loads and compiles the active policy; throws no_active_policy when no version was approved yet. */
export async function loadActivePolicy(db: Kysely<DB>): Promise<ActivePolicy> {
  const row = await db
    .selectFrom('policy_versions')
    .select(['version', 'document'])
    .where('status', '=', ACTIVE)
    .executeTakeFirst();
  if (!row) {
    throw new KeywardenError(
      'no_active_policy',
      'no policy version is active: import one and have a second person approve it',
    );
  }
  // Read before the directory: a change made while loading moves the revision and forces the next reload.
  const revision = await directoryRevision(db);
  const policy = mergeWithDirectory(JSON.parse(row.document) as PolicyFile, await loadDirectory(db));
  return { version: row.version, directoryRevision: revision, policy, compiled: compilePolicy(policy) };
}

/** The active version and the directory revision; run on every checkout, so compiled once (prepared-query.ts). */
const readActiveState = prepareQuery((db) =>
  db
    .selectFrom('policy_versions')
    .select('version')
    .select((eb) =>
      eb.selectFrom('revisions').select('value').where('name', '=', sql.lit('directory')).as('revision'),
    )
    .where('status', '=', ACTIVE),
);

/**
 * Keeps the compiled active policy between requests. `get` reads the active version number and the
 * directory revision (one statement) and reloads when either moved, whichever process moved it.
 */
export class ActivePolicyCache {
  private current: ActivePolicy | null = null;

  constructor(private readonly db: Kysely<DB>) {}

  async get(db: Kysely<DB> = this.db): Promise<ActivePolicy> {
    const state = await readActiveState.first(db, {});
    const current = this.current;
    if (
      !current ||
      !state ||
      current.version !== state.version ||
      current.directoryRevision !== Number(state.revision ?? 0)
    ) {
      this.current = await loadActivePolicy(db);
    }
    return this.current as ActivePolicy;
  }

  invalidate(): void {
    this.current = null;
  }
}

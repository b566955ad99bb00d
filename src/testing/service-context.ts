/**
 * What service tests share: a clock a test can set, an audit log, the active-policy cache, and a helper that
 * imports a policy file and has a second person approve it.
 */
import { readFileSync } from 'node:fs';
import { AuditLog } from '../audit/audit-log.js';
import { InProcessLiveEvents } from '../live/live-events.js';
import { ActivePolicyCache } from '../policy/active-policy.js';
import { approvePolicyVersion, importPolicyVersion } from '../policy/policy-versions.service.js';
import type { Store } from '../store/database.js';

export const RIVERSIDE_POLICY = readFileSync(
  new URL('../../examples/riverside-pd.yaml', import.meta.url),
  'utf8',
);

export class TestClock {
  constructor(private instant: number = Date.parse('2026-11-25T16:30:00Z')) {}
  now = (): Date => new Date(this.instant);
  set(iso: string): void {
    this.instant = Date.parse(iso);
  }
  advance(ms: number): void {
    this.instant += ms;
  }
}

export function newServiceContext(store: Store, clock = new TestClock()) {
  const audit = new AuditLog({ now: clock.now });
  const policies = new ActivePolicyCache(store.db);
  return {
    store,
    db: store.db,
    clock,
    audit,
    policies,
    now: clock.now,
    live: new InProcessLiveEvents(),
    publicUrl: 'http://localhost:8080',
    /** Imports `source` as `author` and has `approver` approve it; returns the version. */
    async activatePolicy(
      source = RIVERSIDE_POLICY,
      author = 'p-okafor',
      approver = 'p-chen',
    ): Promise<number> {
      const { version } = await store.db
        .transaction()
        .execute((trx) => importPolicyVersion(trx, { audit, now: clock.now }, { source, by: author }));
      await store.db
        .transaction()
        .execute((trx) =>
          approvePolicyVersion(trx, { audit, now: clock.now }, { version: version.version, by: approver }),
        );
      policies.invalidate();
      return version.version;
    },
  };
}

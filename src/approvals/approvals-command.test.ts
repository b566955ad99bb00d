import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerApprovalCommands } from '../cli/approvals-command.js';
import { createTestDatabase, type TestDatabase } from '../store/test-databases.js';
import { newServiceContext, TestClock } from '../testing/service-context.js';
import { requestApproval } from './approvals.service.js';

describe('keywarden approvals', () => {
  let database: TestDatabase;
  let dir: string;
  let output = '';

  beforeEach(async () => {
    database = await createTestDatabase('sqlite');
    dir = mkdtempSync(join(tmpdir(), 'keywarden-approvals-cli-'));
    vi.stubEnv('KEYWARDEN_AUDIT_KEY', join(dir, 'audit.pem'));
    vi.stubEnv('KEYWARDEN_SECRETS_KEY', join(dir, 'secrets.key'));
    vi.stubEnv('KEYWARDEN_DB', database.url);
    output = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((text) => {
      output += String(text);
      return true;
    });
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (...args: string[]) => {
    const program = new Command('keywarden').exitOverride();
    registerApprovalCommands(program);
    await program.parseAsync(['node', 'keywarden', 'approvals', ...args]);
  };

  it('lists a pending request and lets only the named approver decide it', async () => {
    const context = newServiceContext(database.store, new TestClock(Date.now()));
    await context.activatePolicy();
    const { approval } = await database.store.db.transaction().execute((trx) =>
      requestApproval(trx, context, {
        person: 'p-haddad',
        key: 'boiler-room',
        cabinet: 'central-a',
        reason: 'emergency-repair',
        approver: 'supervisor',
      }),
    );
    await run('list');
    expect(output).toContain(
      `${approval.id}  p-haddad wants boiler-room at central-a (emergency-repair); needs supervisor`,
    );
    await expect(run('decide', approval.id, '--by', 'p-chen', '--approve')).rejects.toThrow(/may not decide/);
    await expect(run('decide', approval.id, '--by', 'p-okafor')).rejects.toThrow(
      /exactly one of --approve or --deny/,
    );
    await run('decide', approval.id, '--by', 'p-okafor', '--approve');
    expect(output).toContain(`request ${approval.id} is approved by p-okafor`);
    const row = await database.store.db
      .selectFrom('approvals')
      .selectAll()
      .where('id', '=', approval.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'approved', decided_by: 'p-okafor' });
  });
});

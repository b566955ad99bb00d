/** `keywarden approvals list | decide`: approvers decide requests from the command line until the console arrives. */
import type { Command } from 'commander';
import { openAppContext } from '../app/app-context.js';
import { decideApproval, getApproval } from '../approvals/approvals.service.js';
import { DB_OPTION_HELP } from './database-commands.js';
import { UsageError } from './usage-error.js';

export function registerApprovalCommands(program: Command): void {
  const approvals = program.command('approvals').description('approval requests from cabinet terminals');

  approvals
    .command('list')
    .description('list pending approval requests (newest first)')
    .option('--db <url>', DB_OPTION_HELP)
    .action(async (options: { db?: string }) => {
      const context = await openAppContext({ db: options.db });
      try {
        const rows = await context.store.db
          .selectFrom('approvals')
          .select('id')
          .where('status', '=', 'pending')
          .orderBy('requested_at', 'desc')
          .limit(100)
          .execute();
        const pending = [];
        for (const row of rows) {
          const approval = await getApproval(context.store.db, row.id, context.now());
          if (approval.status === 'pending') pending.push(approval);
        }
        if (pending.length === 0) process.stdout.write('no pending approval requests\n');
        for (const a of pending) {
          process.stdout.write(
            `${a.id}  ${a.person} wants ${a.key} at ${a.cabinet}${a.reason ? ` (${a.reason})` : ''}; needs ${a.approver}; expires ${a.expiresAt}\n`,
          );
        }
      } finally {
        await context.close();
      }
    });

  approvals
    .command('decide')
    .description('approve or deny a pending request (the approver must be the one the rule names)')
    .argument('<id>', 'approval request id')
    .requiredOption('--by <person>', 'the approver')
    .option('--approve', 'approve the request')
    .option('--deny', 'deny the request')
    .option('--db <url>', DB_OPTION_HELP)
    .addHelpText('after', '\nExample:\n  $ keywarden approvals decide 01a2...c3 --by p-okafor --approve')
    .action(async (id: string, options: { by: string; approve?: boolean; deny?: boolean; db?: string }) => {
      if (options.approve === options.deny) throw new UsageError('give exactly one of --approve or --deny');
      const context = await openAppContext({ db: options.db });
      try {
        const decided = await context.store.db.transaction().execute((trx) =>
          decideApproval(trx, context, {
            id,
            by: options.by,
            approve: options.approve === true,
            via: 'cli',
          }),
        );
        process.stdout.write(`request ${decided.id} is ${decided.status} by ${decided.decidedBy}\n`);
      } finally {
        await context.close();
      }
    });
}

/** `keywarden cabinets token | revoke-tokens | list`: the credentials a cabinet terminal signs in with. */
import type { Command } from 'commander';
import { openAppContext } from '../app/app-context.js';
import { issueCabinetToken, revokeCabinetTokens } from '../cabinets/cabinet-tokens.service.js';
import { DB_OPTION_HELP } from './database-commands.js';

export function registerCabinetCommands(program: Command): void {
  const cabinets = program.command('cabinets').description('cabinets and the tokens their terminals use');

  cabinets
    .command('token')
    .description("issue a token for a cabinet's terminal (shown once; stored hashed)")
    .argument('<cabinet>', 'cabinet id')
    .option('--by <person>', 'who issues it (for the audit log)', 'cli')
    .option('--db <url>', DB_OPTION_HELP)
    .addHelpText(
      'after',
      `
The terminal sends it as "Authorization: Bearer <token>" on every request (docs/terminal-api.md).

Example:
  $ keywarden cabinets token central-a --by p-okafor
  kwc_...   (store it in the terminal's configuration; it is not shown again)`,
    )
    .action(async (cabinet: string, options: { by: string; db?: string }) => {
      const context = await openAppContext({ db: options.db });
      try {
        const { token } = await context.store.db
          .transaction()
          .execute((trx) => issueCabinetToken(trx, context, { cabinet, by: options.by }));
        process.stdout.write(`${token}\n`);
        process.stderr.write(
          `token for cabinet ${cabinet}: store it in the terminal's configuration; it is not shown again\n`,
        );
      } finally {
        await context.close();
      }
    });

  cabinets
    .command('revoke-tokens')
    .description('revoke every token of a cabinet (its terminal is signed out at once)')
    .argument('<cabinet>', 'cabinet id')
    .option('--by <person>', 'who revokes them (for the audit log)', 'cli')
    .option('--db <url>', DB_OPTION_HELP)
    .addHelpText('after', '\nExample:\n  $ keywarden cabinets revoke-tokens central-a --by p-okafor')
    .action(async (cabinet: string, options: { by: string; db?: string }) => {
      const context = await openAppContext({ db: options.db });
      try {
        const count = await context.store.db
          .transaction()
          .execute((trx) => revokeCabinetTokens(trx, context, { cabinet, by: options.by }));
        process.stdout.write(`revoked ${count} token${count === 1 ? '' : 's'} of cabinet ${cabinet}\n`);
      } finally {
        await context.close();
      }
    });

  cabinets
    .command('list')
    .description('list cabinets with their site, slots, keys and live tokens')
    .option('--db <url>', DB_OPTION_HELP)
    .action(async (options: { db?: string }) => {
      const context = await openAppContext({ db: options.db });
      try {
        const rows = await context.store.db
          .selectFrom('cabinets')
          .select(['id', 'name', 'site_id', 'slot_count'])
          .select((eb) => [
            eb
              .selectFrom('keys')
              .select(eb.fn.countAll<number>().as('n'))
              .whereRef('keys.cabinet_id', '=', 'cabinets.id')
              .as('keys'),
            eb
              .selectFrom('cabinet_tokens')
              .select(eb.fn.countAll<number>().as('n'))
              .whereRef('cabinet_tokens.cabinet_id', '=', 'cabinets.id')
              .where('cabinet_tokens.revoked_at', 'is', null)
              .as('tokens'),
          ])
          .orderBy('id')
          .execute();
        for (const row of rows) {
          process.stdout.write(
            `${row.id.padEnd(16)} ${row.name} (${row.site_id}): ${row.slot_count} slots, ${row.keys} keys, ${row.tokens} live tokens\n`,
          );
        }
      } finally {
        await context.close();
      }
    });
}

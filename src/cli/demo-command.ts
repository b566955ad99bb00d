/** `keywarden demo`: the Riverside PD example with simulated days of activity. */
import type { Command } from 'commander';
import { openAppContext } from '../app/app-context.js';
import { runDemo } from '../demo/run-demo.js';
import { DB_OPTION_HELP } from './database-commands.js';
import { UsageError } from './usage-error.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('load the Riverside PD example and simulate days of key traffic through the real services')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--days <n>', 'days to simulate, ending now', '14')
    .option('--seed <n>', 'random seed: the same seed on the same day gives the same data', '1')
    .addHelpText(
      'after',
      `
Needs an empty database. Day and night shifts, after-hours checkouts with reasons, approvals, witnesses,
late returns and denials, each decided by the policy and written to the audit log.

Example:
  $ keywarden demo --db sqlite:./data/demo.db --days 30 --seed 7 && keywarden audit verify --db sqlite:./data/demo.db`,
    )
    .action(async (options: { db?: string; days: string; seed: string }) => {
      const days = Number(options.days);
      const seed = Number(options.seed);
      if (!Number.isInteger(days) || days < 1 || days > 3650)
        throw new UsageError('--days must be a whole number from 1 to 3650');
      if (!Number.isInteger(seed)) throw new UsageError('--seed must be a whole number');
      const context = await openAppContext({ db: options.db });
      try {
        const summary = await runDemo(context, { days, seed });
        process.stdout.write(
          `demo loaded into ${context.store.displayUrl}: ${summary.attempts} attempts over ${summary.days} days, ${summary.checkouts} checkouts, ${summary.denials} denied or incomplete, ${summary.returns} returns (${summary.late} late), ${summary.stillOut} keys out now\n`,
        );
      } finally {
        await context.close();
      }
    });
}

/** `keywarden migrate` and `keywarden serve`: the commands that run on the database. */
import type { Command } from 'commander';
import { openAppContext } from '../app/app-context.js';
import { startCheckpointTimer } from '../audit/audit-checkpoints.js';
import { protocolSettingsFromEnv } from '../cabinets/protocol/protocol-settings.js';
import type { DemoAccess } from '../demo/demo-access.js';
import { buildServer } from '../http/server.js';
import { startNotificationDelivery } from '../notifications/notification-delivery.js';
import { startRuleWorkers } from '../notifications/rule-workers.js';
import { openStore, resolveDatabaseUrl } from '../store/database.js';
import { migrateToLatest } from '../store/migrate.js';
import { webAppProblem } from '../web/web-app.routes.js';
import { UsageError } from './usage-error.js';

export const DB_OPTION_HELP =
  'database URL: sqlite:PATH or postgres://USER@HOST:PORT/DB (default: $KEYWARDEN_DB, else sqlite:./data/keywarden.db)';

export function registerDatabaseCommands(program: Command): void {
  program
    .command('migrate')
    .description('bring the database to the latest schema (serve also does this at start)')
    .option('--db <url>', DB_OPTION_HELP)
    .addHelpText(
      'after',
      '\nExample:\n  $ keywarden migrate --db postgres://postgres@127.0.0.1:5432/keywarden',
    )
    .action(async (options: { db?: string }) => {
      const store = openStore(resolveDatabaseUrl(options.db));
      try {
        const { applied } = await migrateToLatest(store.db);
        process.stdout.write(
          applied.length ? `applied: ${applied.join(', ')}\n` : `${store.displayUrl} is up to date\n`,
        );
      } finally {
        await store.close();
      }
    });

  program
    .command('serve')
    .description('run the Keywarden server (status page at /, API under /api/v1, API docs at /docs)')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--host <host>', 'address to listen on', process.env.KEYWARDEN_HOST ?? '127.0.0.1')
    .option('--port <port>', 'port to listen on', process.env.KEYWARDEN_PORT ?? '8080')
    .option(
      '--demo',
      'load the Riverside PD demo with 14 days of activity when the database is empty, and show names on the status page',
    )
    .addHelpText(
      'after',
      `
The server listens on 127.0.0.1 by default. The API needs a console sign-in (keywarden console create-admin)
or a cabinet token; put it behind HTTPS before opening it to a network.

Examples:
  $ keywarden serve --demo                 # embedded SQLite with demo data; open http://localhost:8080
  $ keywarden serve --db postgres://keywarden@db.internal/keywarden --port 9000`,
    )
    .action(async (options: { db?: string; host: string; port: string; demo?: boolean }) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError('--port must be a port number');
      const context = await openAppContext({ db: options.db, port });
      // The web app (kiosk and console) is built by `npm run build:web`; the API runs without it.
      const webProblem = webAppProblem();
      let demoAccess: DemoAccess | undefined;
      if (options.demo) {
        const { loadDemoIfEmpty } = await import('../demo/run-demo.js');
        const loaded = await loadDemoIfEmpty(context, { days: 14, seed: 1 });
        if (loaded)
          process.stdout.write(
            `loaded the Riverside PD demo: ${loaded.checkouts} checkouts, ${loaded.denials} denials over ${loaded.days} days\n`,
          );
        const { prepareDemoAccess } = await import('../demo/demo-access.js');
        demoAccess = await prepareDemoAccess(context);
      }
      const app = await buildServer({
        store: context.store,
        now: context.now,
        logger: { level: process.env.KEYWARDEN_LOG_LEVEL ?? 'info' },
        terminal: context,
        approvals: context,
        console: context,
        consoleManagement: context,
        notifications: context,
        auditTrail: { ...context, databaseUrl: resolveDatabaseUrl(options.db) },
        // Cabinets connect over the cabinet protocol (docs/cabinet-protocol.md); timings from the environment.
        cabinets: { ...context, settings: protocolSettingsFromEnv(process.env) },
        // The demo shows who holds which key on the status page; a real installation shows counts only.
        statusPage: options.demo ? 'detailed' : 'summary',
        web: {},
        demo: demoAccess,
      });
      if (webProblem) app.log.warn(`${webProblem}; the API and the status page work without it`);
      for (const warning of [...context.auditKey.warnings, ...context.secrets.warnings])
        app.log.warn(warning);
      if (context.auditKey.created) {
        app.log.info(
          `created the audit signing key ${context.auditKey.path}: back it up, apart from the database`,
        );
      }
      const timer = startCheckpointTimer(context.store.db, context.checkpoints, {
        onError: (error) => app.log.error({ err: error }, 'audit checkpoint failed; retrying in a minute'),
      });
      // Notification rules: the event router and the overdue scheduler (docs/notifications.md).
      const ruleWorkers = startRuleWorkers(context, {
        onError: (error, worker) => app.log.error({ err: error }, `${worker} failed; it tries again`),
      });
      // Notification delivery: the sender (e-mail, SMS, webhooks, inbox) and, on PostgreSQL, the LISTEN
      // connection that wakes this process's workers on every commit (docs/notifications.md).
      const delivery = startNotificationDelivery(context, resolveDatabaseUrl(options.db), {
        onError: (error) => app.log.error({ err: error }, 'notification delivery failed; it tries again'),
      });
      const shutdown = async () => {
        await ruleWorkers.stop();
        await delivery.stop();
        await timer.stop();
        await app.close();
        await context.close();
        process.exit(0);
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
      await app.listen({ host: options.host, port });
      const address = app.server.address();
      const shownPort = typeof address === 'object' && address ? address.port : port;
      const shownHost = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
      // localhost rather than 127.0.0.1: fingerprints and passkeys (WebAuthn) work only at the relying party's
      // origin, http://localhost:PORT by default.
      const base = `http://${shownHost === '127.0.0.1' ? 'localhost' : shownHost}:${shownPort}`;
      process.stdout.write(
        `Keywarden is running on ${context.store.displayUrl}\nOpen ${base}/  (API docs: ${base}/docs)\n`,
      );
      process.stdout.write(
        webProblem
          ? `Web app: not built - run "npm run build:web" (or npm start) for ${base}/kiosk and ${base}/console\n`
          : `Kiosk: ${base}/kiosk/central-a   Console: ${base}/console\n`,
      );
      if (demoAccess) {
        const { demoAccessText } = await import('../demo/demo-access.js');
        process.stdout.write(demoAccessText(demoAccess, base));
      }
    });
}

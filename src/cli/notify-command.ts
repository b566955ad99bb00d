/**
 * `keywarden notify ...`: notification delivery from the command line. Configure SMTP, the SMS provider and
 * webhook endpoints, send a test message, read the delivery log and retry dead letters. Secrets (the SMTP
 * password, the SMS auth token) are never options: they are typed without echo or read from the first line
 * of piped stdin, and stored sealed with the secrets key. See docs/notifications.md.
 */
import type { Command } from 'commander';
import { type AppContext, openAppContext } from '../app/app-context.js';
import {
  addWebhookEndpoint,
  DEFAULT_SMS_BASE_URL,
  getSmsSettings,
  getSmtpSettings,
  listWebhookEndpoints,
  removeWebhookEndpoint,
  setSmsSettings,
  setSmtpSettings,
} from '../notifications/channel-settings.js';
import {
  createTestMessage,
  listMessages,
  retryDeadMessage,
  sendTestMessage,
} from '../notifications/notification-messages.js';
import { DB_OPTION_HELP } from './database-commands.js';
import type { PeopleCommandIo } from './people-command.js';
import { readFirstLine, readHiddenLine } from './read-secret.js';
import { UsageError } from './usage-error.js';

export type NotifyCommandIo = PeopleCommandIo;

const processIo: NotifyCommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readSecret: (prompt) => (process.stdin.isTTY ? readHiddenLine(prompt) : readFirstLine()),
  interactive: () => process.stdin.isTTY === true,
};

const BY_HELP = 'who makes the change, for the audit log (a person id)';
const SECRETS_KEY_HELP =
  'the key file that seals secrets (default: $KEYWARDEN_SECRETS_KEY, else ./data/secrets.key)';

interface CommonOptions {
  db?: string;
  secretsKey?: string;
  by: string;
}

async function withApp<T>(
  options: { db?: string; secretsKey?: string },
  work: (app: AppContext) => Promise<T>,
) {
  const app = await openAppContext({ db: options.db, secretsKey: options.secretsKey });
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}

async function readRequiredSecret(io: NotifyCommandIo, prompt: string): Promise<string> {
  const secret = await io.readSecret(prompt);
  if (secret === '')
    throw new UsageError('nothing was given (type it, or pipe it as the first line of stdin)');
  return secret;
}

function withCommon(command: Command): Command {
  return command
    .option('--by <person>', BY_HELP, 'cli')
    .option('--secrets-key <file>', SECRETS_KEY_HELP)
    .option('--db <url>', DB_OPTION_HELP);
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError('--port must be a port number');
  return port;
}

export function registerNotifyCommands(program: Command, io: NotifyCommandIo = processIo): Command {
  const notify = program
    .command('notify')
    .description('notification delivery: SMTP, SMS, webhooks, test messages, the delivery log, dead letters');

  withCommon(
    notify
      .command('test')
      .description('send a test message now, by e-mail or SMS, with the stored settings')
      .requiredOption('--to <address>', 'an e-mail address or an E.164 phone number (+15551234567)'),
  )
    .addHelpText('after', '\nExample:\n  $ keywarden notify test --to okafor@riverside.example')
    .action(async (options: CommonOptions & { to: string }) => {
      await withApp(options, async (app) => {
        const created = await app.store.db
          .transaction()
          .execute((trx) => createTestMessage(trx, app, options.to, options.by));
        const result = await sendTestMessage(app.store, app, created);
        if (result.status === 'sent') {
          io.stdout(
            `sent a test ${result.channel === 'email' ? 'e-mail' : 'SMS'} to ${options.to} (message ${result.message})\n`,
          );
          return;
        }
        // An error exits with 1 and its message (main.ts).
        throw new Error(
          `the test message to ${options.to} was not delivered: ${result.error ?? result.status}${
            result.waitingForSettings
              ? ` (it waits until the channel is configured: keywarden notify ${result.channel === 'email' ? 'smtp' : 'sms'} set --help)`
              : result.status === 'pending'
                ? ' (it will be retried; see keywarden notify messages)'
                : ''
          }`,
        );
      });
    });

  const smtp = notify.command('smtp').description('the SMTP server e-mail goes through');
  withCommon(
    smtp
      .command('set')
      .description('set the SMTP server (the password is asked for, or read from stdin)')
      .requiredOption('--host <host>', 'SMTP server host name')
      .option('--port <port>', 'port (default 465 with --secure, else 587)')
      .option('--secure', 'TLS from the first byte (usually port 465)')
      .option('--starttls', 'upgrade with STARTTLS and require it (usually port 587)')
      .option('--plain-local', 'no encryption: only for a relay on this machine (localhost)')
      .option('--user <user>', 'user name to log in with; the password is then asked for')
      .option('--keep-password', 'keep the stored password instead of asking for a new one')
      .requiredOption('--from <address>', 'the sender address of every message'),
  )
    .addHelpText(
      'after',
      '\nExample:\n  $ keywarden notify smtp set --host smtp.riverside.example --starttls --user keywarden --from keys@riverside.example\n  SMTP password: ********',
    )
    .action(
      async (
        options: CommonOptions & {
          host: string;
          port?: string;
          secure?: boolean;
          starttls?: boolean;
          plainLocal?: boolean;
          user?: string;
          keepPassword?: boolean;
          from: string;
        },
      ) => {
        const modes = [options.secure, options.starttls, options.plainLocal].filter(Boolean).length;
        if (modes !== 1) throw new UsageError('choose one of --secure, --starttls and --plain-local');
        const security = options.secure ? 'tls' : options.starttls ? 'starttls' : 'none';
        const port = options.port ? parsePort(options.port) : security === 'tls' ? 465 : 587;
        const password =
          options.user && !options.keepPassword
            ? await readRequiredSecret(io, `SMTP password for ${options.user}: `)
            : options.user
              ? undefined
              : null;
        await withApp(options, async (app) => {
          await app.store.db.transaction().execute((trx) =>
            setSmtpSettings(
              trx,
              app,
              {
                host: options.host,
                port,
                security,
                user: options.user ?? null,
                ...(password !== undefined ? { password } : {}),
                from: options.from,
              },
              options.by,
            ),
          );
          io.stdout(
            `SMTP set: ${options.host}:${port} (${security})${options.user ? ` as ${options.user}` : ''}\n`,
          );
        });
      },
    );

  withCommon(smtp.command('show').description('show the SMTP settings (never the password)')).action(
    async (options: CommonOptions) => {
      await withApp(options, async (app) => {
        const found = await getSmtpSettings(app.store.db);
        if (!found) {
          io.stdout('SMTP is not configured (keywarden notify smtp set --help)\n');
          return;
        }
        const s = found.settings;
        io.stdout(
          `${s.host}:${s.port} ${s.security} user ${s.user ?? '(none)'} password ${found.password.set ? found.password.hint : '(none)'} from ${s.from}\n`,
        );
      });
    },
  );

  const sms = notify
    .command('sms')
    .description('the SMS provider (Twilio, or an API shaped like its Messages API)');
  withCommon(
    sms
      .command('set')
      .description('set the SMS provider (the auth token is asked for, or read from stdin)')
      .option('--base-url <url>', 'the provider API base URL', DEFAULT_SMS_BASE_URL)
      .requiredOption('--account-sid <sid>', 'the account SID (the Basic auth user)')
      .requiredOption('--from <number>', 'the sending number, E.164 (+15551234567)')
      .option('--keep-token', 'keep the stored auth token instead of asking for a new one'),
  )
    .addHelpText(
      'after',
      '\nExample:\n  $ keywarden notify sms set --account-sid AC0123 --from +15550001111\n  SMS auth token: ********',
    )
    .action(
      async (
        options: CommonOptions & { baseUrl: string; accountSid: string; from: string; keepToken?: boolean },
      ) => {
        const authToken = options.keepToken ? undefined : await readRequiredSecret(io, 'SMS auth token: ');
        await withApp(options, async (app) => {
          await app.store.db.transaction().execute((trx) =>
            setSmsSettings(
              trx,
              app,
              {
                baseUrl: options.baseUrl,
                accountSid: options.accountSid,
                from: options.from,
                ...(authToken !== undefined ? { authToken } : {}),
              },
              options.by,
            ),
          );
          io.stdout(
            `SMS provider set: ${options.baseUrl} account ${options.accountSid} from ${options.from}\n`,
          );
        });
      },
    );

  withCommon(sms.command('show').description('show the SMS settings (never the token)')).action(
    async (options: CommonOptions) => {
      await withApp(options, async (app) => {
        const found = await getSmsSettings(app.store.db);
        if (!found) {
          io.stdout('SMS is not configured (keywarden notify sms set --help)\n');
          return;
        }
        const s = found.settings;
        io.stdout(
          `${s.baseUrl} account ${s.accountSid} token ${found.authToken.hint ?? '(none)'} from ${s.from}\n`,
        );
      });
    },
  );

  const webhooks = notify.command('webhooks').description('endpoints that receive signed webhooks');
  withCommon(
    webhooks
      .command('add')
      .description('add an endpoint; its signing secret is printed once')
      .requiredOption('--url <url>', 'https URL that receives the webhooks')
      .option('--description <text>', 'what the endpoint is', '')
      .option('--events <types>', 'comma-separated event types to send (default: every event)'),
  )
    .addHelpText(
      'after',
      '\nExample:\n  $ keywarden notify webhooks add --url https://cad.riverside.example/keywarden --events checkout,overdue',
    )
    .action(async (options: CommonOptions & { url: string; description: string; events?: string }) => {
      await withApp(options, async (app) => {
        const eventTypes = options.events
          ? options.events
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean)
          : [];
        const added = await app.store.db
          .transaction()
          .execute((trx) =>
            addWebhookEndpoint(
              trx,
              app,
              { url: options.url, description: options.description, eventTypes },
              options.by,
            ),
          );
        io.stdout(`${added.endpoint.id}\n${added.secret}\n`);
        io.stderr(
          'the second line is the signing secret: give it to the receiver now; it is not shown again\n',
        );
      });
    });

  withCommon(webhooks.command('list').description('list the endpoints (never their secrets)')).action(
    async (options: CommonOptions) => {
      await withApp(options, async (app) => {
        for (const endpoint of await listWebhookEndpoints(app.store.db)) {
          io.stdout(
            `${endpoint.id}\t${endpoint.active ? 'active' : 'inactive'}\t${endpoint.eventTypes.join(',') || '*'}\t${endpoint.url}\t${endpoint.description}\n`,
          );
        }
      });
    },
  );

  withCommon(
    webhooks.command('remove').description('remove an endpoint').argument('<id>', 'endpoint id'),
  ).action(async (id: string, options: CommonOptions) => {
    await withApp(options, async (app) => {
      await app.store.db.transaction().execute((trx) => removeWebhookEndpoint(trx, app, id, options.by));
      io.stdout(`removed webhook endpoint ${id}\n`);
    });
  });

  withCommon(
    notify
      .command('messages')
      .description('the delivery log, newest first')
      .option('--status <status>', 'pending | sending | sent | dead')
      .option('--channel <channel>', 'email | sms | webhook | in-app')
      .option('--limit <n>', 'how many', '50'),
  )
    .addHelpText('after', '\nExample:\n  $ keywarden notify messages --status dead')
    .action(async (options: CommonOptions & { status?: string; channel?: string; limit: string }) => {
      const statuses = ['pending', 'sending', 'sent', 'dead'] as const;
      const channels = ['email', 'sms', 'webhook', 'in-app'] as const;
      const status = statuses.find((s) => s === options.status);
      const channel = channels.find((c) => c === options.channel);
      if (options.status && !status) throw new UsageError(`--status must be one of ${statuses.join(', ')}`);
      if (options.channel && !channel)
        throw new UsageError(`--channel must be one of ${channels.join(', ')}`);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500)
        throw new UsageError('--limit must be 1 to 500');
      await withApp(options, async (app) => {
        const page = await listMessages(app.store.db, {
          limit,
          ...(status ? { status } : {}),
          ...(channel ? { channel } : {}),
        });
        for (const m of page.messages) {
          io.stdout(
            `${m.id}\t${m.status}\t${m.channel}\t${m.address}\t${m.eventType}\tattempts ${m.attempts}\t${m.lastError ?? ''}\n`,
          );
        }
      });
    });

  withCommon(
    notify.command('retry').description('send a dead letter again').argument('<id>', 'message id'),
  ).action(async (id: string, options: CommonOptions) => {
    await withApp(options, async (app) => {
      await app.store.db.transaction().execute((trx) => retryDeadMessage(trx, app, id, options.by));
      io.stdout(`message ${id} is queued again; a running server sends it now\n`);
    });
  });

  return notify;
}

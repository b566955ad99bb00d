/**
 * `keywarden console create-admin | grant | revoke | set-password | token create|list|revoke`: console users
 * and API tokens for integrations (the token is printed once, on stdout). The first admin is
 * bootstrapped here (a password and an authenticator; the otpauth URI is printed once, on stdout); later
 * users get roles with grant. Passwords are never taken from the command line: they are typed without echo
 * at a terminal (twice) or read from the first line of piped stdin. See docs/console.md.
 */
import type { Command } from 'commander';
import { openAppContext } from '../app/app-context.js';
import { createApiToken, listApiTokens, revokeApiToken, TOKEN_ROLES } from '../console/api-tokens.service.js';
import {
  createAdmin,
  grantConsoleRole,
  revokeConsoleRole,
  setPassword,
} from '../console/console-users.service.js';
import { CONSOLE_ROLES } from '../domain/console/console-roles.js';
import { DB_OPTION_HELP } from './database-commands.js';
import type { PeopleCommandIo } from './people-command.js';
import { readFirstLine, readHiddenLine } from './read-secret.js';
import { UsageError } from './usage-error.js';

/** The same shape as the people commands' I/O; tests give their own. */
export type ConsoleCommandIo = PeopleCommandIo;

const processIo: ConsoleCommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readSecret: (prompt) => (process.stdin.isTTY ? readHiddenLine(prompt) : readFirstLine()),
  interactive: () => process.stdin.isTTY === true,
};

const BY_HELP = 'who makes the change, for the audit log (a person id)';
const PASSWORD_HELP = '"-": read the password from stdin (or ask for it, hidden); the default';
const PASSWORD_RULES = `
A password has 12 to 256 characters; no digits or symbols are required. Refused: passwords from leaked
lists, keyboard walks and runs (qwertyuiop12, 123456789012), repeats (aaaaaaaaaaaa), a common word with
digits or symbols around it (Password2024!, Summer2026!!), and anything containing your id, name or e-mail
name. A few unrelated words make a good one.`;

interface CommonOptions {
  db?: string;
  secretsKey?: string;
  by: string;
}

async function withApp<T>(
  options: { db?: string; secretsKey?: string },
  work: (app: Awaited<ReturnType<typeof openAppContext>>) => Promise<T>,
): Promise<T> {
  const app = await openAppContext({ db: options.db, secretsKey: options.secretsKey });
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}

async function readNewPassword(
  io: ConsoleCommandIo,
  person: string,
  option: string | undefined,
): Promise<string> {
  if (option !== undefined && option !== '-') {
    throw new UsageError('a password is never given on the command line: use --password - (or leave it out)');
  }
  const password = await io.readSecret(`new console password for ${person}: `);
  if (password === '') throw new UsageError('no password was given');
  if (io.interactive() && (await io.readSecret('the same password again: ')) !== password) {
    throw new UsageError('the two passwords differ');
  }
  return password;
}

export function registerConsoleCommands(program: Command, io: ConsoleCommandIo = processIo): Command {
  const consoleCommand = program
    .command('console')
    .description(
      'console users: roles (admin, key-manager, supervisor, auditor), passwords, the first admin',
    );

  consoleCommand
    .command('create-admin')
    .description('bootstrap the first console admin: role, password, authenticator (URI printed once)')
    .requiredOption('--person <id>', 'the person who becomes admin (already in the directory)')
    .option('--password <dash>', PASSWORD_HELP)
    .option(
      '--secrets-key <file>',
      'the key file that seals TOTP secrets (default: $KEYWARDEN_SECRETS_KEY, else ./data/secrets.key)',
    )
    .option('--by <person>', BY_HELP, 'cli')
    .option('--db <url>', DB_OPTION_HELP)
    .addHelpText(
      'after',
      `${PASSWORD_RULES}

Refused once any admin exists: later admins are granted by an admin (keywarden console grant).
When the person already has an authenticator (enrolled for the cabinets), it serves the console too.

Example:
  $ keywarden console create-admin --person p-okafor
  new console password for p-okafor: ****************
  the same password again: ****************
  otpauth://totp/Keywarden:p-okafor?secret=...&issuer=Keywarden`,
    )
    .action(async (options: CommonOptions & { person: string; password?: string }) => {
      const password = await readNewPassword(io, options.person, options.password);
      await withApp(options, async (app) => {
        const result = await app.store.db.transaction().execute((trx) =>
          createAdmin(
            trx,
            { audit: app.audit, now: app.now, secrets: app.secrets },
            options.person,
            password,
            {
              by: options.by,
            },
          ),
        );
        if (result.totpUri) {
          io.stdout(`${result.totpUri}\n`);
          io.stderr(
            `${options.person} is the console admin: scan the URI above into an authenticator app now (for example: qrencode -t ansiutf8 "$URI"); it is not shown again\n`,
          );
        } else {
          io.stdout(
            `${options.person} is the console admin; they sign in with the authenticator they already have\n`,
          );
        }
      });
    });

  consoleCommand
    .command('grant')
    .description('give a person a console role')
    .argument('<person>', 'person id')
    .argument('<role>', CONSOLE_ROLES.join(' | '))
    .requiredOption('--by <person>', BY_HELP)
    .option('--db <url>', DB_OPTION_HELP)
    .addHelpText(
      'after',
      '\nThe person also needs a password (console set-password) and an authenticator (people enrol-totp).\n\nExample:\n  $ keywarden console grant p-chen supervisor --by p-okafor',
    )
    .action(async (person: string, role: string, options: CommonOptions) => {
      await withApp(options, async (app) => {
        const result = await app.store.db
          .transaction()
          .execute((trx) =>
            grantConsoleRole(trx, { audit: app.audit, now: app.now }, person, role, { by: options.by }),
          );
        io.stdout(
          `${person} ${result.changed ? 'now holds' : 'already held'} ${role}; console roles: ${result.roles.join(', ')}\n`,
        );
      });
    });

  consoleCommand
    .command('revoke')
    .description('take a console role away (the last one ends every session of the person)')
    .argument('<person>', 'person id')
    .argument('<role>', CONSOLE_ROLES.join(' | '))
    .requiredOption('--by <person>', BY_HELP)
    .option('--db <url>', DB_OPTION_HELP)
    .addHelpText('after', '\nExample:\n  $ keywarden console revoke p-chen supervisor --by p-okafor')
    .action(async (person: string, role: string, options: CommonOptions) => {
      await withApp(options, async (app) => {
        const result = await app.store.db
          .transaction()
          .execute((trx) =>
            revokeConsoleRole(trx, { audit: app.audit, now: app.now }, person, role, { by: options.by }),
          );
        io.stdout(
          `${person} no longer holds ${role}; console roles: ${result.roles.join(', ') || 'none'}${result.sessionsEnded ? ` (${result.sessionsEnded} session(s) ended)` : ''}\n`,
        );
      });
    });

  consoleCommand
    .command('set-password')
    .description("set a person's console password (ends their console sessions)")
    .argument('<person>', 'person id')
    .option('--password <dash>', PASSWORD_HELP)
    .option('--by <person>', BY_HELP, 'cli')
    .option('--db <url>', DB_OPTION_HELP)
    .addHelpText(
      'after',
      `${PASSWORD_RULES}\n\nExample:\n  $ keywarden console set-password p-chen --by p-okafor`,
    )
    .action(async (person: string, options: CommonOptions & { password?: string }) => {
      const password = await readNewPassword(io, person, options.password);
      await withApp(options, async (app) => {
        await app.store.db
          .transaction()
          .execute((trx) =>
            setPassword(trx, { audit: app.audit, now: app.now }, person, password, { by: options.by }),
          );
        io.stdout(`console password set for ${person}\n`);
      });
    });

  registerTokenCommands(consoleCommand, io);
  return consoleCommand;
}

/** `keywarden console token create|list|revoke`: API tokens for integrations (docs/console.md). */
function registerTokenCommands(consoleCommand: Command, io: ConsoleCommandIo): void {
  const token = consoleCommand
    .command('token')
    .description('API tokens for integrations: Authorization: Bearer kwt_... with the roles given');

  token
    .command('create')
    .description('create an API token; it is printed once, on stdout')
    .argument('<name>', 'what the token is for, e.g. hr-sync')
    .requiredOption('--roles <roles>', `comma-separated: ${TOKEN_ROLES.join(', ')}`)
    .option('--expires <time>', 'ISO 8601 time it stops working (default: until revoked)')
    .requiredOption('--by <person>', 'the console admin who creates it, for the audit log')
    .option('--db <url>', DB_OPTION_HELP)
    .addHelpText(
      'after',
      '\nSupervisor tokens are refused: a supervisor sees their team, and a token has none.\n\nExample:\n  $ keywarden console token create nightly-report --roles auditor --expires 2027-06-30T00:00:00Z --by p-okafor',
    )
    .action(async (name: string, options: { roles: string; expires?: string; by: string; db?: string }) => {
      const roles = options.roles
        .split(',')
        .map((role) => role.trim())
        .filter((role) => role !== '');
      await withApp(options, async (app) => {
        const created = await app.store.db.transaction().execute((trx) =>
          createApiToken(
            trx,
            { audit: app.audit, now: app.now },
            {
              name,
              roles,
              expiresAt: options.expires ?? null,
              by: options.by,
            },
          ),
        );
        io.stdout(`${created.token}\n`);
        io.stderr(
          `API token ${created.apiToken.id} (${created.apiToken.prefix}..., ${created.apiToken.roles.join(', ')}): store it now, it is not shown again\n`,
        );
      });
    });

  token
    .command('list')
    .description('list API tokens (never the token itself)')
    .option('--all', 'include revoked tokens')
    .option('--db <url>', DB_OPTION_HELP)
    .action(async (options: { all?: boolean; db?: string }) => {
      await withApp(options, async (app) => {
        const tokens = await listApiTokens(app.store.db, { includeRevoked: options.all === true });
        if (tokens.length === 0) io.stdout('no API tokens\n');
        for (const item of tokens) {
          const state = item.revokedAt
            ? `revoked ${item.revokedAt} by ${item.revokedBy}`
            : item.expiresAt
              ? `expires ${item.expiresAt}`
              : 'no expiry';
          io.stdout(
            `${item.id}  ${item.prefix}...  ${item.name}  [${item.roles.join(', ')}]  created ${item.createdAt} by ${item.createdBy}  last used ${item.lastUsedAt ?? 'never'}  ${state}\n`,
          );
        }
      });
    });

  token
    .command('revoke')
    .description('revoke an API token: it stops working at once')
    .argument('<id>', 'the token id (from token list)')
    .requiredOption('--by <person>', BY_HELP)
    .option('--db <url>', DB_OPTION_HELP)
    .action(async (id: string, options: { by: string; db?: string }) => {
      await withApp(options, async (app) => {
        const revoked = await app.store.db
          .transaction()
          .execute((trx) => revokeApiToken(trx, { audit: app.audit, now: app.now }, { id, by: options.by }));
        io.stdout(`API token ${revoked.id} (${revoked.name}) revoked\n`);
      });
    });
}

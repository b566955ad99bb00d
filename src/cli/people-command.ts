/**
 * `keywarden people set-pin | add-badge | revoke-badge | enrol-totp | revoke-totp | credentials | unlock`:
 * issue and revoke a person's factors, see them (never their secrets), and clear a lockout. Secrets that
 * must reach the person (a random PIN, an authenticator seed) are printed once, on stdout; explanations go
 * to stderr. See docs/credentials.md.
 */
import type { Command } from 'commander';
import { type AppContext, openAppContext } from '../app/app-context.js';
import { findPerson } from '../credentials/credentials.queries.js';
import {
  addBadge,
  type CredentialContext,
  type CredentialSummary,
  enrolTotp,
  listCredentials,
  revokeBadge,
  revokeTotp,
  setPin,
} from '../credentials/credentials.service.js';
import { clearLockout, lockoutStatus } from '../credentials/factor-lockouts.js';
import { resolveSecretsKeyPath, SecretBox } from '../credentials/secret-box.js';
import { parseTotpAlgorithm, TOTP_ALGORITHMS } from '../domain/credentials/totp.js';
import { DB_OPTION_HELP } from './database-commands.js';
import { readFirstLine, readHiddenLine } from './read-secret.js';
import { UsageError } from './usage-error.js';

/** Where the commands read and write; tests give their own. */
export interface PeopleCommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Reads a secret: one line of piped stdin, or typed at the terminal without echo after `prompt`. */
  readSecret(prompt: string): Promise<string>;
  /** Whether readSecret asks a person at a terminal (who is then asked twice). */
  interactive(): boolean;
}

const processIo: PeopleCommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  // Surrounding spaces are never part of a PIN.
  readSecret: async (prompt) =>
    process.stdin.isTTY ? readHiddenLine(prompt) : (await readFirstLine()).trim(),
  interactive: () => process.stdin.isTTY === true,
};

const BY_HELP = 'who makes the change, for the audit log (a person id)';
const SECRETS_KEY_HELP =
  'the key file that seals TOTP secrets (default: $KEYWARDEN_SECRETS_KEY, else ./data/secrets.key)';

interface CommonOptions {
  db?: string;
  by: string;
}

/** Runs `work` with the app context and a credential context; closes the database afterwards. */
async function withContext<T>(
  options: { db?: string; secretsKey?: string },
  work: (app: AppContext, context: CredentialContext) => Promise<T>,
): Promise<T> {
  const app = await openAppContext({ db: options.db });
  try {
    const secrets = new SecretBox({ path: resolveSecretsKeyPath(options.secretsKey) });
    return await work(app, { audit: app.audit, now: app.now, secrets });
  } finally {
    await app.close();
  }
}

export function registerPeopleCommands(program: Command, io: PeopleCommandIo = processIo): Command {
  const people = program
    .command('people')
    .description("a person's factors at the cabinet: PIN, badges, authenticator; lockouts");

  people
    .command('set-pin')
    .description('give a person a new PIN (random unless --pin), replacing the old one')
    .argument('<person>', 'person id')
    .option('--random', 'a random 6-digit PIN, printed once (the default)')
    .option(
      '--pin <pin>',
      'a chosen PIN; "-" reads it from stdin (or asks for it, hidden) instead of the command line',
    )
    .option('--by <person>', BY_HELP, 'cli')
    .option('--db <url>', DB_OPTION_HELP)
    .addHelpText(
      'after',
      `
A chosen PIN has 6 to 12 digits and is refused when easy to guess: one digit repeated, a short pattern
repeated (121212, 123123), consecutive digits (123456, 654321, 890123) or one of the 100 most common PINs.
A PIN given on the command line can be seen by other users (ps) and stays in the shell history: use --pin -.

Examples:
  $ keywarden people set-pin p-ruiz --by p-okafor
  583016
  $ keywarden people set-pin p-ruiz --pin - --by p-okafor
  PIN for p-ruiz: ******
  PIN again: ******
  PIN set for p-ruiz (Dana Ruiz)
  $ printf '%s\\n' "$PIN" | keywarden people set-pin p-ruiz --pin -`,
    )
    .action(async (person: string, options: CommonOptions & { random?: boolean; pin?: string }) => {
      if (options.random && options.pin !== undefined)
        throw new UsageError('give --random or --pin, not both');
      let pin: string | undefined;
      if (options.pin === '-') pin = await readChosenPin(io, person);
      else if (options.pin !== undefined) {
        io.stderr(
          'warning: a PIN on the command line can be seen by other users and stays in the shell history; use --pin - next time\n',
        );
        pin = options.pin;
      }
      await withContext(options, async (app, context) => {
        const name = await personName(app, person);
        const result = await app.store.db
          .transaction()
          .execute((trx) =>
            setPin(trx, context, person, pin === undefined ? { random: true } : { pin }, { by: options.by }),
          );
        if (pin === undefined) {
          io.stdout(`${result.pin}\n`);
          io.stderr(`the new PIN of ${person}${name}: give it to them now; it is not shown again\n`);
        } else {
          io.stdout(`PIN set for ${person}${name}\n`);
        }
      });
    });

  people
    .command('add-badge')
    .description('give a person a badge (they may hold several; a badge belongs to one person at a time)')
    .argument('<person>', 'person id')
    .argument(
      '<number>',
      'the card number as the reader types it (case, separators and leading zeros do not matter)',
    )
    .option('--by <person>', BY_HELP, 'cli')
    .option('--db <url>', DB_OPTION_HELP)
    .addHelpText(
      'after',
      `
Example:
  $ keywarden people add-badge p-ruiz 00:4A:22:46:B7 --by p-okafor
  badge 4A2246B7 added for p-ruiz (Dana Ruiz)`,
    )
    .action(async (person: string, number: string, options: CommonOptions) => {
      await withContext(options, async (app, context) => {
        const name = await personName(app, person);
        const result = await app.store.db
          .transaction()
          .execute((trx) => addBadge(trx, context, person, number, { by: options.by }));
        io.stdout(`badge ${result.number} added for ${person}${name}\n`);
      });
    });

  people
    .command('revoke-badge')
    .description("revoke one of a person's badges (a lost or returned card)")
    .argument('<person>', 'person id')
    .argument('<number>', 'the card number, in any of the forms the reader types')
    .option('--by <person>', BY_HELP, 'cli')
    .option('--db <url>', DB_OPTION_HELP)
    .addHelpText(
      'after',
      `
Example:
  $ keywarden people revoke-badge p-ruiz 4a2246b7 --by p-okafor
  badge 4A2246B7 of p-ruiz (Dana Ruiz) revoked`,
    )
    .action(async (person: string, number: string, options: CommonOptions) => {
      await withContext(options, async (app, context) => {
        const name = await personName(app, person);
        const result = await app.store.db
          .transaction()
          .execute((trx) => revokeBadge(trx, context, person, number, { by: options.by }));
        io.stdout(`badge ${result.number} of ${person}${name} revoked\n`);
      });
    });

  people
    .command('enrol-totp')
    .description('enrol an authenticator app for a person; prints its otpauth URI and secret once')
    .argument('<person>', 'person id')
    .option('--algorithm <name>', `${TOTP_ALGORITHMS.join(', ')} (most apps support only SHA1)`, 'SHA1')
    .option('--digits <n>', 'code length, 6 to 8', '6')
    .option('--issuer <name>', 'the name the app shows above the code', 'Keywarden')
    .option('--replace', 'replace the authenticator the person has (the old one stops working)')
    .option('--secrets-key <file>', SECRETS_KEY_HELP)
    .option('--by <person>', BY_HELP, 'cli')
    .option('--db <url>', DB_OPTION_HELP)
    .addHelpText(
      'after',
      `
Show the URI as a QR code for the person to scan (for example: qrencode -t ansiutf8 "$URI"), or let them
type the secret. Neither is shown again; the secret is stored sealed with the secrets key file, which must
be backed up apart from the database.

Example:
  $ keywarden people enrol-totp p-ruiz --by p-okafor
  otpauth://totp/Keywarden:p-ruiz?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Keywarden
  secret: JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP`,
    )
    .action(
      async (
        person: string,
        options: CommonOptions & {
          algorithm: string;
          digits: string;
          issuer: string;
          replace?: boolean;
          secretsKey?: string;
        },
      ) => {
        const algorithm = parseTotpAlgorithm(options.algorithm);
        if (!algorithm) {
          throw new UsageError(
            `--algorithm is one of ${TOTP_ALGORITHMS.join(', ')}, not "${options.algorithm}"`,
          );
        }
        const digits = Number(options.digits);
        if (!/^[0-9]+$/.test(options.digits) || digits < 6 || digits > 8) {
          throw new UsageError(`--digits is 6, 7 or 8, not "${options.digits}"`);
        }
        await withContext(options, async (app, context) => {
          const name = await personName(app, person);
          const result = await app.store.db.transaction().execute((trx) =>
            enrolTotp(trx, context, person, {
              algorithm,
              digits,
              issuer: options.issuer,
              replace: options.replace === true,
              by: options.by,
            }),
          );
          io.stdout(`${result.uri}\nsecret: ${result.secret.replace(/(.{4})(?=.)/g, '$1 ')}\n`);
          io.stderr(
            `authenticator enrolled for ${person}${name} (${result.settings.algorithm}, ${result.settings.digits} digits, ${result.settings.stepSeconds} s): the URI and secret are not shown again\n`,
          );
        });
      },
    );

  people
    .command('revoke-totp')
    .description("revoke a person's authenticator (a lost phone)")
    .argument('<person>', 'person id')
    .option('--by <person>', BY_HELP, 'cli')
    .option('--db <url>', DB_OPTION_HELP)
    .addHelpText('after', '\nExample:\n  $ keywarden people revoke-totp p-ruiz --by p-okafor')
    .action(async (person: string, options: CommonOptions) => {
      await withContext(options, async (app, context) => {
        const name = await personName(app, person);
        await app.store.db
          .transaction()
          .execute((trx) => revokeTotp(trx, context, person, { by: options.by }));
        io.stdout(`authenticator of ${person}${name} revoked\n`);
      });
    });

  people
    .command('credentials')
    .description("list a person's factors (never their secrets) and lockout state")
    .argument('<person>', 'person id')
    .option('--all', 'include revoked credentials')
    .option('--json', 'print as JSON')
    .option('--db <url>', DB_OPTION_HELP)
    .addHelpText(
      'after',
      `
Example:
  $ keywarden people credentials p-ruiz
  p-ruiz (Dana Ruiz)
    pin    set 2026-11-25T16:30:00.000Z, last used 2026-11-26T02:10:41.000Z
    badge  4A2246B7, added 2026-11-25T16:31:12.000Z, never used
    totp   SHA1, 6 digits, 30 s, enrolled 2026-11-25T16:32:05.000Z, never used
    lockout: none`,
    )
    .action(async (person: string, options: { all?: boolean; json?: boolean; db?: string }) => {
      await withContext(options, async (app) => {
        const credentials = await listCredentials(app.store.db, person, {
          includeRevoked: options.all === true,
        });
        const lockout = await lockoutStatus(app.store.db, person, app.now());
        if (options.json) {
          io.stdout(`${JSON.stringify({ person, credentials, lockout }, null, 2)}\n`);
          return;
        }
        io.stdout(`${person}${await personName(app, person)}\n`);
        if (credentials.length === 0) io.stdout('  no credentials\n');
        for (const credential of credentials) io.stdout(`  ${describeCredential(credential)}\n`);
        io.stdout(`  lockout: ${describeLockout(lockout)}\n`);
      });
    });

  people
    .command('unlock')
    .description('clear a lockout: the person may try again at once, and the doubling starts over')
    .argument('<person>', 'person id')
    .option('--by <person>', BY_HELP, 'cli')
    .option('--db <url>', DB_OPTION_HELP)
    .addHelpText(
      'after',
      `
Example:
  $ keywarden people unlock p-ruiz --by p-okafor
  p-ruiz (Dana Ruiz) unlocked (was locked out until 2026-11-26T02:25:00.000Z)`,
    )
    .action(async (person: string, options: CommonOptions) => {
      await withContext(options, async (app, context) => {
        const name = await personName(app, person);
        const { before } = await app.store.db
          .transaction()
          .execute((trx) => clearLockout(trx, context, person, { by: options.by }));
        io.stdout(
          before.locked
            ? `${person}${name} unlocked (was locked out until ${before.lockedUntil})\n`
            : `${person}${name} was not locked out; the failure count is reset\n`,
        );
      });
    });

  return people;
}

async function personName(app: AppContext, person: string): Promise<string> {
  const row = await findPerson(app.store.db, person);
  return row ? ` (${row.name})` : '';
}

async function readChosenPin(io: PeopleCommandIo, person: string): Promise<string> {
  const pin = await io.readSecret(`PIN for ${person}: `);
  if (pin === '') throw new UsageError('no PIN was given on stdin');
  if (io.interactive() && (await io.readSecret('PIN again: ')) !== pin) {
    throw new UsageError('the two PINs differ');
  }
  return pin;
}

function describeCredential(credential: CredentialSummary): string {
  const used = credential.lastUsedAt ? `last used ${credential.lastUsedAt}` : 'never used';
  const revoked = credential.revokedAt ? `, revoked ${credential.revokedAt}` : '';
  const kind = credential.kind.padEnd(credential.kind === 'fingerprint' ? 11 : 6);
  switch (credential.kind) {
    case 'pin':
      return `${kind} set ${credential.createdAt}, ${used}${revoked}`;
    case 'badge':
      return `${kind} ${credential.badge}, added ${credential.createdAt}, ${used}${revoked}`;
    case 'totp': {
      const totp = credential.totp;
      const how = totp ? `${totp.algorithm}, ${totp.digits} digits, ${totp.stepSeconds} s, ` : '';
      return `${kind} ${how}enrolled ${credential.createdAt}, ${used}${revoked}`;
    }
    case 'fingerprint':
      return `${kind} ${credential.label ? `"${credential.label}", ` : ''}enrolled ${credential.createdAt}, ${used}${revoked}`;
    default:
      return `${kind} added ${credential.createdAt}, ${used}${revoked}`;
  }
}

function describeLockout(lockout: Awaited<ReturnType<typeof lockoutStatus>>): string {
  const parts: string[] = [];
  if (lockout.locked) parts.push(`locked out until ${lockout.lockedUntil}`);
  if (lockout.consecutiveFailures > 0) {
    parts.push(
      `${lockout.consecutiveFailures} failed attempt${lockout.consecutiveFailures === 1 ? '' : 's'} in a row`,
    );
  }
  if (lockout.lockouts > 0) {
    parts.push(`${lockout.lockouts} lockout${lockout.lockouts === 1 ? '' : 's'} since the last sign-in`);
  }
  return parts.length > 0 ? parts.join('; ') : 'none';
}

/**
 * The `keywarden` command. Each command group lives in its own file; this one assembles them and turns
 * known failures into a short message and an exit code, never a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { KeywardenError } from '../domain/errors.js';
import { PolicyFileError } from '../policy/load-policy-file.js';
import { registerApprovalCommands } from './approvals-command.js';
import { registerAuditCommands } from './audit-command.js';
import { registerCabinetCommands } from './cabinets-command.js';
import { registerConsoleCommands } from './console-command.js';
import { registerDatabaseCommands } from './database-commands.js';
import { registerDemoCommand } from './demo-command.js';
import { registerNotifyCommands } from './notify-command.js';
import { registerPeopleCommands } from './people-command.js';
import { registerPolicyCommands } from './policy-command.js';
import { registerPolicyVersionCommands } from './policy-version-commands.js';
import { UsageError } from './usage-error.js';

export function buildProgram(): Command {
  const program = new Command('keywarden')
    .description(
      'Keywarden: electronic key control. Who may take which key, when, after proving who they are.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  $ keywarden policy check policy.yaml
  $ keywarden policy decide policy.yaml --person p-ruiz --key car-101 --at 2026-11-27T02:30 --factors pin,badge --reason vehicle-swap
  $ keywarden policy render policy.yaml --format html > procedure.html
  $ keywarden serve --demo
  $ keywarden audit verify`,
    );
  registerPolicyVersionCommands(registerPolicyCommands(program));
  registerDatabaseCommands(program);
  registerDemoCommand(program);
  registerAuditCommands(program);
  registerPeopleCommands(program);
  registerConsoleCommands(program);
  registerCabinetCommands(program);
  registerApprovalCommands(program);
  registerNotifyCommands(program);
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof PolicyFileError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    if (error instanceof KeywardenError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 1;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await runCli(process.argv);

/**
 * Known credentials for `serve --demo`, so that a newcomer can try the kiosk and the console within a
 * minute: a token for each cabinet's kiosk, Dana Ruiz's badge and PIN, and two console users (an admin and a
 * supervisor) with a printed password and a fresh authenticator seed whose current code the sign-in page
 * shows. Everything goes through the ordinary services, so each change is audited like any other. Run at
 * every demo start: the tokens and seeds live in this process's memory only, and earlier tokens of the demo's
 * cabinets are revoked (a demo database is a playground, not an installation).
 */
import type { AppContext } from '../app/app-context.js';
import { issueCabinetToken, revokeCabinetTokens } from '../cabinets/cabinet-tokens.service.js';
import { recordReturn } from '../checkouts/checkouts.service.js';
import { grantConsoleRole, setPassword } from '../console/console-users.service.js';
import { addBadge, enrolTotp, setPin } from '../credentials/credentials.service.js';
import { DEFAULT_TOTP_SETTINGS, decodeBase32, totpCode } from '../domain/credentials/totp.js';
import { KeywardenError } from '../domain/errors.js';

/** Dana Ruiz, a patrol officer: what to type at the kiosk. */
export const DEMO_OFFICER = { person: 'p-ruiz', name: 'Dana Ruiz', badge: '4512093', pin: '482913' };
/** The console password of the demo's console users. Printed at start; never use it anywhere else. */
export const DEMO_CONSOLE_PASSWORD = 'copper lantern night shift';
const DEMO_CONSOLE_USERS = [
  { person: 'p-okafor', name: 'Grace Okafor', role: 'admin' },
  { person: 'p-chen', name: 'Marcus Chen', role: 'supervisor' },
] as const;
const BY = 'demo';

export interface DemoConsoleUser {
  person: string;
  name: string;
  role: string;
  password: string;
  /** The authenticator code valid now. */
  code(): Promise<string>;
}

export interface DemoAccess {
  /** cabinet id -> its kiosk token (kwc_...). */
  kioskTokens: ReadonlyMap<string, string>;
  officer: typeof DEMO_OFFICER;
  consoleUsers: DemoConsoleUser[];
}

type DemoAccessContext = Pick<AppContext, 'store' | 'audit' | 'now' | 'secrets'>;

export async function prepareDemoAccess(context: DemoAccessContext): Promise<DemoAccess> {
  return context.store.db.transaction().execute(async (trx) => {
    const kioskTokens = new Map<string, string>();
    const cabinets = await trx.selectFrom('cabinets').select('id').orderBy('id').execute();
    for (const { id } of cabinets) {
      await revokeCabinetTokens(trx, context, { cabinet: id, by: BY });
      kioskTokens.set(id, (await issueCabinetToken(trx, context, { cabinet: id, by: BY })).token);
    }

    // The officer may hold one patrol car at a time: put back what the simulated traffic left with her, so
    // that the newcomer's first try is a checkout, not "return a key first".
    const held = await trx
      .selectFrom('checkouts')
      .innerJoin('keys', 'keys.id', 'checkouts.key_id')
      .select(['checkouts.key_id as key', 'keys.cabinet_id as cabinet', 'keys.slot as slot'])
      .where('checkouts.person_id', '=', DEMO_OFFICER.person)
      .where('checkouts.status', '=', 'open')
      .execute();
    for (const key of held) await recordReturn(trx, context, { ...key, by: DEMO_OFFICER.person });

    await setPin(trx, context, DEMO_OFFICER.person, { pin: DEMO_OFFICER.pin }, { by: BY });
    try {
      await addBadge(trx, context, DEMO_OFFICER.person, DEMO_OFFICER.badge, { by: BY });
    } catch (error) {
      // Hers since an earlier start: nothing to do.
      if (!(error instanceof KeywardenError && error.code === 'badge_in_use')) throw error;
    }

    const consoleUsers: DemoConsoleUser[] = [];
    for (const user of DEMO_CONSOLE_USERS) {
      await setPassword(trx, context, user.person, DEMO_CONSOLE_PASSWORD, { by: BY });
      await grantConsoleRole(trx, context, user.person, user.role, { by: BY });
      const { secret } = await enrolTotp(trx, context, user.person, { replace: true, by: BY });
      const seed = decodeBase32(secret);
      consoleUsers.push({
        ...user,
        password: DEMO_CONSOLE_PASSWORD,
        code: () => totpCode(seed, context.now().getTime(), DEFAULT_TOTP_SETTINGS),
      });
    }
    return { kioskTokens, officer: DEMO_OFFICER, consoleUsers };
  });
}

/** The lines `serve --demo` prints at start. */
export function demoAccessText(access: DemoAccess, baseUrl: string): string {
  const [cabinet] = access.kioskTokens.keys();
  const lines = [
    'Demo credentials (demo only; these change nothing outside this demo database):',
    `  Kiosk:   ${baseUrl}/kiosk/${cabinet ?? 'central-a'}  -  ${access.officer.name}: badge ${access.officer.badge}, PIN ${access.officer.pin}`,
    `  Console: ${baseUrl}/console  -  ${access.consoleUsers.map((user) => `${user.person} (${user.role})`).join(', ')}; password "${DEMO_CONSOLE_PASSWORD}"; the sign-in page shows the current authenticator code`,
  ];
  return `${lines.join('\n')}\n`;
}

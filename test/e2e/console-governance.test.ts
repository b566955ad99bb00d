/**
 * The console's policy, approvals, incidents, notifications, audit and settings sections end to end in
 * Debian's Chromium against the product server (buildServer with the built web app, a real port, SQLite, a
 * TestClock at 02:00 in Chicago):
 * - Leila Haddad asks at the kiosk for the boiler room after hours; her supervisor, Grace Okafor, approves
 *   it on the console's approvals page and the kiosk opens the slot;
 * - the administrator imports a changed policy (a file with an error first: the problem is shown with its
 *   line), cannot approve her own draft (the reason is shown), and the key manager approves it, seeing the diff;
 * - an incident is closed with a resolution (refused without one);
 * - the audit page shows the chain verified;
 * - an auditor opens every section and finds no button that changes anything;
 * - axe finds no serious or critical violation on any page. Screenshots go to test-results/web/console-governance/.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempKey, type TempKey } from '../../src/audit/audit-log.testing.js';
import { issueCabinetToken } from '../../src/cabinets/cabinet-tokens.service.js';
import { TEST_RATE_LIMITS } from '../../src/console/console-server.testing.js';
import { grantConsoleRole, setPassword } from '../../src/console/console-users.service.js';
import { enrolTotp, setPin } from '../../src/credentials/credentials.service.js';
import { createFactorChecks } from '../../src/credentials/factor-verification.js';
import { SecretBox } from '../../src/credentials/secret-box.js';
import { relyingPartyFromEnv } from '../../src/credentials/webauthn-config.js';
import { fingerprintFactorVerifier } from '../../src/credentials/webauthn-factor.js';
import { DEFAULT_TOTP_SETTINGS, decodeBase32, totpCode } from '../../src/domain/credentials/totp.js';
import { buildServer } from '../../src/http/server.js';
import { openIncident } from '../../src/incidents/incidents.service.js';
import { createTestDatabase, type TestDatabase } from '../../src/store/test-databases.js';
import { newServiceContext, RIVERSIDE_POLICY, TestClock } from '../../src/testing/service-context.js';
import { chromiumForTests, launchChromium } from './support/chromium.js';
import { freePort, seriousAxeViolations } from './support/e2e-helpers.js';
import { ensureWebBuilt } from './support/web-build.js';

const chromium = chromiumForTests('test/e2e/console-governance.test.ts (console governance in Chromium)');
const SCREENSHOTS = new URL('../../test-results/web/console-governance/', import.meta.url).pathname;
const PASSWORD = 'copper lantern night shift';
const HADDAD_PIN = '730418';
/** Wednesday 25 November 2026, 02:00 in Chicago (CST, UTC-6). */
const TWO_AM = '2026-11-25T08:00:00.000Z';
/** A changed policy: patrol cars after hours need three factors (tightening). */
const CHANGED_POLICY = RIVERSIDE_POLICY.replace(
  '    afterHours:\n      reasons: [vehicle-swap, incident-response]',
  '    afterHours:\n      factors: 3\n      factorKinds: [badge, pin, fingerprint]\n      reasons: [vehicle-swap, incident-response]',
);

describe.skipIf(chromium.skip)('console governance sections in Chromium', { timeout: 60_000 }, () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let url: string;
  let cabinetToken: string;
  let temp: TempKey;
  let admin: Page;
  let incidentId: string;
  const seeds: Record<string, Uint8Array> = {};
  const violations: string[] = [];
  const clock = new TestClock(Date.parse(TWO_AM));
  const shot = (name: string, target: Page) =>
    target.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const code = (seed: Uint8Array) => totpCode(seed, clock.now().getTime(), DEFAULT_TOTP_SETTINGS);

  async function checkAxe(page: Page): Promise<void> {
    // The procedure's frame runs no scripts (sandboxed), so axe cannot enter it: it is checked on its own page.
    violations.push(...(await seriousAxeViolations(page, page.url(), { exclude: 'iframe.procedure' })));
  }

  async function signIn(person: string): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(8000);
    page.on('pageerror', (error) => {
      throw error;
    });
    await page.goto(`${url}/console`);
    await page.getByLabel('Your ID').fill(person);
    await page.getByLabel('Password').fill(PASSWORD);
    // Each code works once: a later time step for each sign-in.
    clock.advance(31_000);
    await page.getByLabel('Authenticator code').fill(await code(seeds[person] as Uint8Array));
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    return page;
  }

  async function open(page: Page, section: string, heading: string): Promise<void> {
    await page.goto(`${url}/console/${section}`);
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
  }

  beforeAll(async () => {
    rmSync(SCREENSHOTS, { recursive: true, force: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
    const webRoot = ensureWebBuilt();
    database = await createTestDatabase('sqlite');
    temp = createTempKey();
    const base = newServiceContext(database.store, clock);
    const secrets = new SecretBox({
      path: join(dirname(database.url.slice('sqlite:'.length)), 'secrets.key'),
    });
    const port = await freePort();
    const rp = relyingPartyFromEnv({ port, env: {} });
    url = `http://localhost:${port}`;
    const factors = createFactorChecks({
      audit: base.audit,
      now: base.now,
      secrets,
      fingerprintVerifier: (where) =>
        fingerprintFactorVerifier({ audit: base.audit, rp }, { sessionId: where.session ?? undefined }),
    });
    const context = { ...base, secrets, rp, factors };
    await context.activatePolicy(RIVERSIDE_POLICY);
    await database.store.db.transaction().execute(async (trx) => {
      for (const [person, role] of [
        ['p-okafor', 'admin'],
        ['p-berg', 'key-manager'],
        ['p-novak', 'auditor'],
      ] as const) {
        await setPassword(trx, context, person, PASSWORD);
        await grantConsoleRole(trx, context, person, role);
        seeds[person] = decodeBase32((await enrolTotp(trx, context, person)).secret);
      }
      await setPin(trx, context, 'p-haddad', { pin: HADDAD_PIN });
      seeds['p-haddad'] = decodeBase32((await enrolTotp(trx, context, 'p-haddad')).secret);
      cabinetToken = (await issueCabinetToken(trx, context, { cabinet: 'central-a', by: 'p-okafor' })).token;
      incidentId = (
        await openIncident(trx, context, {
          kind: 'unauthorised-removal',
          person: null,
          key: 'evidence-1',
          checkout: null,
          summary: 'Evidence room 1 left its slot without a checkout',
          cause: { type: 'key.unauthorised-removal', id: null },
        })
      ).id;
    });
    app = await buildServer({
      store: database.store,
      now: clock.now,
      terminal: context,
      console: context,
      approvals: context,
      notifications: context,
      consoleManagement: context,
      auditTrail: { ...context, auditKey: temp.key },
      rateLimits: TEST_RATE_LIMITS,
      web: { root: webRoot },
    });
    await app.listen({ host: '127.0.0.1', port });
    browser = await launchChromium(chromium.path);
    admin = await signIn('p-okafor');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
    temp?.remove();
  }, 30_000);

  it('has the kiosk wait while the supervisor approves on the approvals page, then opens the slot', async () => {
    const kiosk = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    kiosk.setDefaultTimeout(8000);
    await kiosk.goto(`${url}/kiosk/central-a`);
    await kiosk.getByLabel('Cabinet token').fill(cabinetToken);
    await kiosk.getByRole('button', { name: 'Save and start' }).click();
    await kiosk.getByRole('heading', { name: 'Central lobby cabinet' }).waitFor();
    await kiosk.getByRole('button', { name: 'No badge? Sign in with your ID' }).click();
    await kiosk.getByLabel('Your ID').fill('p-haddad');
    await kiosk.getByRole('button', { name: 'Next' }).click();
    await kiosk.getByRole('heading', { name: 'Enter your PIN' }).waitFor();
    for (const digit of HADDAD_PIN) await kiosk.getByRole('button', { name: digit, exact: true }).click();
    await kiosk.getByRole('button', { name: 'OK' }).click();
    await kiosk.getByRole('button', { name: 'Enter authenticator code' }).click();
    await kiosk.keyboard.type(await code(seeds['p-haddad'] as Uint8Array));
    await kiosk.keyboard.press('Enter');
    await kiosk.getByText('Signed in with PIN, authenticator code').waitFor();
    await kiosk.getByRole('button', { name: /Boiler room/ }).click();
    await kiosk.getByLabel('Emergency repair').check();
    await kiosk.getByRole('button', { name: 'Ask for approval' }).click();
    await kiosk.getByRole('heading', { name: 'Approval: pending' }).waitFor();

    await open(admin, 'approvals', 'Approvals');
    await admin
      .getByRole('button', { name: /^Decide/ })
      .first()
      .click();
    await admin.getByRole('heading', { name: 'Leila Haddad asks for Boiler room' }).waitFor();
    await checkAxe(admin);
    await shot('01-approval-decide', admin);
    await admin.getByLabel('Note (kept in the audit log)').fill('Boiler alarm at the station');
    await admin.getByRole('button', { name: 'Approve' }).click();
    await admin.getByText('Decision recorded').waitFor();
    await kiosk
      .getByRole('heading', { name: 'Slot 10 is open: take Boiler room' })
      .waitFor({ timeout: 3000 });
    await shot('02-kiosk-approved', kiosk);
    await admin.getByRole('button', { name: 'Back to the list' }).click();
    // Approved, or already used: the kiosk's checkout took the key with it.
    await admin
      .getByText(/^(approved|used)$/)
      .first()
      .waitFor();
    await checkAxe(admin);
    await shot('03-approvals-list', admin);
    await kiosk.context().close();
  });

  it('imports a changed policy, refuses its author as approver, and the key manager approves it with the diff', async () => {
    await open(admin, 'policy', 'Policy');
    await admin.getByTestId('policy-next-review').waitFor();
    await checkAxe(admin);
    await shot('04-policy-active', admin);
    const procedure = await admin.context().newPage();
    await procedure.goto(`${url}/api/v1/policy-versions/1/procedure?format=html`);
    await procedure.getByRole('heading', { level: 1 }).waitFor();
    await checkAxe(procedure);
    await procedure.close();

    await admin
      .getByLabel('Or paste it')
      .fill(CHANGED_POLICY.replace('  reviewEveryDays:', '  reviewEveryDays: soon\n  x-was:'));
    await admin.getByRole('button', { name: 'Import as draft' }).click();
    await admin.getByText('Fix these and import it again').waitFor();
    await expect(admin.locator('.problems li').first().textContent()).resolves.toMatch(
      /^Error, line \d+ \(policy[.\w]*\): /,
    );
    await shot('05-policy-import-problems', admin);

    await admin.getByLabel('Or paste it').fill(CHANGED_POLICY);
    await admin.getByRole('button', { name: 'Import as draft' }).click();
    await admin.getByText('Imported as draft version 2').waitFor();
    await admin.getByRole('button', { name: 'Approve version 2' }).click();
    await admin
      .getByRole('alert')
      .filter({ hasText: /author|wrote/ })
      .waitFor();
    await checkAxe(admin);
    await shot('06-policy-author-refused', admin);

    const berg = await signIn('p-berg');
    await open(berg, 'policy', 'Policy');
    const changes = berg.getByTestId('policy-diff-changes');
    await changes.waitFor();
    await expect(changes.textContent()).resolves.toMatch(/factor/i);
    await checkAxe(berg);
    await shot('07-policy-diff-for-approver', berg);
    await berg.getByRole('button', { name: 'Approve version 2' }).click();
    await berg.getByRole('heading', { name: /^Active: version 2/ }).waitFor();
    await shot('08-policy-approved', berg);
    await berg.context().close();
  });

  it('closes an incident only with a resolution', async () => {
    await open(admin, 'incidents', 'Incidents');
    await admin
      .getByRole('button', { name: /^Open incident/ })
      .first()
      .waitFor();
    await checkAxe(admin);
    await shot('09-incidents', admin);
    await admin.getByRole('button', { name: /^Open/ }).first().click();
    await admin.getByRole('heading', { name: /Evidence room 1 left its slot/ }).waitFor();
    await admin.getByLabel('Add a note').fill('Checked the camera footage');
    await admin.getByRole('button', { name: 'Add note' }).click();
    await admin.getByText('Checked the camera footage').waitFor();
    await admin.getByRole('button', { name: 'Close incident' }).click();
    await admin.getByText('Write what was found and done before closing.').waitFor();
    await admin
      .getByLabel('Resolution (required to close)')
      .fill('Key returned by the evidence tech; re-trained.');
    await admin.getByRole('button', { name: 'Close incident' }).click();
    await admin.getByText('Key returned by the evidence tech; re-trained.').first().waitFor();
    await checkAxe(admin);
    await shot('10-incident-closed', admin);
    const row = await database.store.db
      .selectFrom('incidents')
      .select(['status', 'resolution'])
      .where('id', '=', incidentId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'closed', resolution: 'Key returned by the evidence tech; re-trained.' });
  });

  it('shows the audit chain verified, with entries and their details', async () => {
    await open(admin, 'audit', 'Audit log');
    const status = admin.getByTestId('audit-chain-status');
    await status.waitFor();
    await expect(status.textContent()).resolves.toMatch(/^Verified: \d+ entries intact/);
    await admin
      .getByRole('button', { name: /^Show entry/ })
      .first()
      .click();
    await admin.getByRole('heading', { name: /^Entry \d+$/ }).waitFor();
    await checkAxe(admin);
    await shot('11-audit-verified', admin);
  });

  it('shows the notifications and settings pages to the administrator', async () => {
    await open(admin, 'notifications', 'Notifications');
    await admin.getByRole('heading', { name: 'Delivery log' }).waitFor();
    await admin.getByRole('button', { name: 'email template of after-hours-removal' }).click();
    await admin.getByLabel('Subject').waitFor();
    await admin.getByRole('button', { name: 'Preview' }).click();
    await admin.locator('.preview').waitFor();
    await checkAxe(admin);
    await shot('12-notifications', admin);
    // A message's link: /console/events/<event> opens the notifications section to acknowledge it.
    const event = await database.store.db.selectFrom('outbox').select('id').executeTakeFirstOrThrow();
    await admin.goto(`${url}/console/events/${event.id}`);
    await admin.getByRole('button', { name: 'Acknowledge event' }).click();
    await admin.getByText(/Acknowledged: its escalation stops|Already acknowledged/).waitFor();
    await checkAxe(admin);
    await shot('12b-event-acknowledged', admin);
    await open(admin, 'settings', 'Settings');
    await admin.getByRole('heading', { name: 'API tokens' }).waitFor();
    await admin.getByLabel('Name (what uses it)').fill('SIEM export');
    await admin.getByRole('button', { name: 'Create token' }).click();
    await admin.getByText('Token, shown once').waitFor();
    await checkAxe(admin);
    await shot('13-settings', admin);
  });

  it('lets an auditor read every section without a button that changes anything', async () => {
    const auditor = await signIn('p-novak');
    const names = await auditor
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link')
      .allTextContents();
    expect(names).not.toContain('Settings');
    for (const [section, heading, ready] of [
      ['policy', 'Policy', 'Compare versions'],
      ['approvals', 'Approvals', 'Requests'],
      ['incidents', 'Incidents', 'Incidents'],
      ['notifications', 'Notifications', 'Delivery log'],
      ['audit', 'Audit log', 'Chain verification'],
    ] as const) {
      await open(auditor, section, heading);
      await auditor.getByRole('heading', { name: ready, level: 2 }).waitFor();
      await expect(auditor.getByText('Loading…').count()).resolves.toBe(0);
      const buttons = await auditor.locator('main button').allTextContents();
      const changing = buttons.filter((text) =>
        /Approve|Deny|Decide|Import|Add note|Assign|Close incident|Retry|Save|Acknowledge|Create|Revoke|Remove/.test(
          text,
        ),
      );
      expect(changing, `${section}: ${changing.join(', ')}`).toEqual([]);
      await checkAxe(auditor);
      await shot(`14-auditor-${section}`, auditor);
    }
    // The closed incident opens read-only too.
    await open(auditor, 'incidents', 'Incidents');
    await auditor.getByRole('button', { name: /^Open/ }).first().click();
    await auditor.getByRole('heading', { name: 'Timeline (America/Chicago)' }).waitFor();
    expect(await auditor.getByRole('button', { name: /Add note|Close incident|Assign/ }).count()).toBe(0);
    await auditor.context().close();
  });

  it('finds no serious or critical accessibility violation on any page', () => {
    expect(violations).toEqual([]);
  });
});

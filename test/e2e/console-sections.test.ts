/**
 * The console's keys, cabinets, people and sites sections end to end in Debian's Chromium against the
 * product server (buildServer with the built web app, a real port, SQLite, a TestClock at 02:00 in Chicago):
 * - an admin resets Dana Ruiz's PIN (shown once) and enrols her authenticator (the QR code on screen, the
 *   secret as text); Dana then signs in at the kiosk with her ID, the new PIN and a code from that secret;
 * - the admin enrols a fingerprint from the console on a CDP virtual authenticator;
 * - the slot map of Central lobby cabinet follows a checkout at the kiosk and a return through the terminal
 *   API live (Server-Sent Events), without a reload;
 * - a supervisor's people page lists their team and themselves only;
 * - every page has no serious or critical axe violation. Screenshots go to test-results/web/console-sections/.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { createTestDatabase, type TestDatabase } from '../../src/store/test-databases.js';
import { newServiceContext, RIVERSIDE_POLICY, TestClock } from '../../src/testing/service-context.js';
import { chromiumForTests, launchChromium } from './support/chromium.js';
import { freePort, seriousAxeViolations } from './support/e2e-helpers.js';
import { ensureWebBuilt } from './support/web-build.js';

const chromium = chromiumForTests('test/e2e/console-sections.test.ts (console sections in Chromium)');
const SCREENSHOTS = new URL('../../test-results/web/console-sections/', import.meta.url).pathname;
const PASSWORD = 'copper lantern night shift';
/** Wednesday 25 November 2026, 02:00 in Chicago (CST, UTC-6). */
const TWO_AM = '2026-11-25T08:00:00.000Z';

describe.skipIf(chromium.skip)('console sections in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let admin: Page;
  let url: string;
  let cabinetToken: string;
  const seeds: Record<string, Uint8Array> = {};
  const clock = new TestClock(Date.parse(TWO_AM));
  const shot = (name: string, target: Page) =>
    target.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const code = (seed: Uint8Array) => totpCode(seed, clock.now().getTime(), DEFAULT_TOTP_SETTINGS);

  async function signIn(person: string): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(8000);
    page.on('pageerror', (error) => {
      throw error;
    });
    await page.goto(`${url}/console`);
    await page.getByLabel('Your ID').fill(person);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Authenticator code').fill(await code(seeds[person] as Uint8Array));
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    return page;
  }

  beforeAll(async () => {
    rmSync(SCREENSHOTS, { recursive: true, force: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
    const webRoot = ensureWebBuilt();
    database = await createTestDatabase('sqlite');
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
        ['p-chen', 'supervisor'],
        ['p-berg', 'key-manager'],
      ] as const) {
        await setPassword(trx, context, person, PASSWORD);
        await grantConsoleRole(trx, context, person, role);
        seeds[person] = decodeBase32((await enrolTotp(trx, context, person)).secret);
      }
      await setPin(trx, context, 'p-ruiz', { pin: '583920' }); // the PIN the admin will replace
      await setPin(trx, context, 'p-novak', { pin: '271828' });
      cabinetToken = (await issueCabinetToken(trx, context, { cabinet: 'central-a', by: 'p-okafor' })).token;
    });
    app = await buildServer({
      store: database.store,
      now: clock.now,
      terminal: context,
      console: context,
      approvals: context,
      notifications: context,
      consoleManagement: context,
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
  }, 30_000);

  let newPin = '';
  let totpSecret = '';

  it("lets an admin reset Dana Ruiz's PIN and enrol her authenticator with a QR code", async () => {
    const nav = admin.getByRole('navigation', { name: 'Sections' });
    await nav.getByRole('link', { name: 'People' }).click();
    await admin.getByRole('heading', { name: 'Everyone' }).waitFor();
    await admin.getByRole('link', { name: 'Dana Ruiz' }).click();
    await admin.getByRole('heading', { name: /Dana Ruiz/ }).waitFor();
    await shot('01-person', admin);
    expect(await seriousAxeViolations(admin, admin.url())).toEqual([]);

    await admin.getByRole('button', { name: 'Reset PIN…' }).click();
    await admin.getByRole('button', { name: 'Yes, set a new random PIN' }).click();
    newPin = ((await admin.getByTestId('new-pin').textContent()) ?? '').trim();
    expect(newPin).toMatch(/^\d{6}$/);

    await admin.getByRole('button', { name: 'Enrol an authenticator' }).click();
    const qr = admin.getByRole('img', { name: /QR code/ });
    await qr.waitFor();
    expect(await qr.isVisible()).toBe(true);
    const box = await qr.boundingBox();
    expect(box?.width).toBeGreaterThan(150);
    totpSecret = ((await admin.locator('.secret-text').textContent()) ?? '').trim();
    expect(totpSecret).toMatch(/^[A-Z2-7]+=*$/);
    await shot('02-person-pin-and-totp-shown-once', admin);
    expect(await seriousAxeViolations(admin, admin.url())).toEqual([]);

    // Shown once: after "Done" and a reload, neither the PIN nor the secret is anywhere on the page.
    await admin.reload();
    await admin.getByText('Enrolled', { exact: false }).first().waitFor();
    const text = (await admin.locator('main').textContent()) ?? '';
    expect(text).not.toContain(newPin);
    expect(text).not.toContain(totpSecret);
  });

  it('enrols a fingerprint from the console on this device, named by its label', async () => {
    const cdp = await admin.context().newCDPSession(admin);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    await admin.getByText('works only with this device', { exact: false }).waitFor();
    await admin.getByRole('textbox', { name: 'Finger' }).fill('right index');
    await admin.getByRole('button', { name: 'Enrol with this device' }).click();
    await admin.getByText('Fingerprint enrolled.').waitFor();
    await admin.getByRole('region', { name: 'Fingerprints' }).getByText('right index').waitFor();
    await shot('03-person-fingerprint-enrolled', admin);
  });

  it('adds a badge shown by its last four characters only, and revokes it', async () => {
    const badges = admin.getByRole('region', { name: 'Badges' });
    await badges.getByLabel('Badge number').fill('00-4A22-46B7-9931');
    await badges.getByRole('button', { name: 'Add badge' }).click();
    await badges.getByText('Badge ending', { exact: false }).first().waitFor();
    await expect(admin.locator('main').textContent()).resolves.not.toContain('4A22-46B7');
    await shot('03b-person-badge-added', admin);
    await badges.getByRole('button', { name: /^Revoke badge ending/ }).click();
    await badges.getByText('No badge.').waitFor();
  });

  it('shows a lockout after five wrong PINs at the terminal, and lets an admin end it', async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const refused = await fetch(`${url}/api/v1/cabinets/central-a/sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${cabinetToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ person: 'p-novak', factors: [{ kind: 'pin', value: '000000' }] }),
      });
      expect(refused.status).toBe(401);
    }
    await admin.goto(`${url}/console/people/p-novak`);
    await admin.getByText('Locked until', { exact: false }).waitFor({ timeout: 15_000 });
    await shot('03c-person-locked-out', admin);
    await admin.getByRole('button', { name: 'Unlock now' }).click();
    await admin.getByText('Not locked').waitFor();
    await expect(admin.getByRole('button', { name: 'Unlock now' }).count()).resolves.toBe(0);
  });

  let kiosk: Page;

  it('lets Dana Ruiz sign in at the kiosk with the new PIN and a code from the new authenticator', async () => {
    kiosk = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    kiosk.setDefaultTimeout(8000);
    await kiosk.goto(`${url}/kiosk/central-a`);
    await kiosk.getByLabel('Cabinet token').fill(cabinetToken);
    await kiosk.getByRole('button', { name: 'Save and start' }).click();
    await kiosk.getByRole('heading', { name: 'Central lobby cabinet' }).waitFor();
    await kiosk.getByRole('button', { name: 'No badge? Sign in with your ID' }).click();
    await kiosk.getByLabel('Your ID').fill('p-ruiz');
    await kiosk.getByRole('button', { name: 'Next' }).click();
    await kiosk.getByRole('heading', { name: 'Enter your PIN' }).waitFor();
    await kiosk.keyboard.type(newPin);
    await kiosk.keyboard.press('Enter');
    await kiosk.getByRole('heading', { name: 'Welcome, Dana Ruiz' }).waitFor();
    await kiosk.getByRole('button', { name: 'Enter authenticator code' }).click();
    await kiosk.keyboard.type(await code(decodeBase32(totpSecret)));
    await kiosk.keyboard.press('Enter');
    await kiosk.getByText('Signed in with PIN, authenticator code').waitFor();
    await shot('04-kiosk-signed-in-with-new-pin-and-totp', kiosk);
  });

  it('updates the slot map live when a key is taken at the kiosk and returned through the API', async () => {
    const nav = admin.getByRole('navigation', { name: 'Sections' });
    await nav.getByRole('link', { name: 'Cabinets' }).click();
    await admin.getByRole('heading', { name: 'All cabinets' }).waitFor();
    await shot('05-cabinets', admin);
    expect(await seriousAxeViolations(admin, admin.url())).toEqual([]);
    await admin.getByRole('link', { name: 'Central lobby cabinet' }).click();
    await admin.getByText('Live: changes show as they happen').waitFor();
    const slot1 = admin.locator('[data-slot="1"]');
    await expect(slot1.getAttribute('data-state')).resolves.toBe('in');
    await shot('06-cabinet-slot-map', admin);
    expect(await seriousAxeViolations(admin, admin.url())).toEqual([]);

    await kiosk.getByRole('button', { name: /Patrol car 101/ }).click();
    await kiosk.getByLabel('Fresh patrol vehicle or vehicle swap').check();
    await kiosk.getByRole('button', { name: 'Take Patrol car 101' }).click();
    await kiosk.getByRole('heading', { name: 'Slot 1 is open: take Patrol car 101' }).waitFor();
    // The map changes without a reload, well within the stream's 5 s re-read: the checkout's hint woke it.
    await admin.locator('[data-slot="1"][data-state="taken"]').waitFor({ timeout: 3000 });
    await shot('07-cabinet-slot-taken-live', admin);
    await kiosk.getByRole('button', { name: 'Done, sign out' }).click();

    const returned = await fetch(`${url}/api/v1/cabinets/central-a/returns`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cabinetToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'car-101', slot: 1 }),
    });
    expect(returned.status).toBe(200);
    await admin.locator('[data-slot="1"][data-state="in"]').waitFor({ timeout: 3000 });
  });

  it('lets an admin issue a cabinet token shown once, and revoke every token', async () => {
    await admin.getByRole('button', { name: 'Issue a new token' }).click();
    const token = ((await admin.getByTestId('new-token').textContent()) ?? '').trim();
    expect(token).toMatch(/^kwc_/);
    await shot('08-cabinet-token-shown-once', admin);
    await admin.getByRole('button', { name: 'Done, hide it' }).click();
    await admin.getByRole('button', { name: 'Revoke all tokens…' }).click();
    await admin.getByRole('button', { name: 'Yes, revoke every token' }).click();
    await admin.getByText('2 tokens revoked', { exact: false }).waitFor();
  });

  it("shows keys with each key's history in the site's time, and sites with their hours", async () => {
    const nav = admin.getByRole('navigation', { name: 'Sections' });
    await nav.getByRole('link', { name: 'Keys' }).click();
    await admin.getByRole('heading', { name: 'All keys' }).waitFor();
    await admin.getByLabel('Status').selectOption('out');
    await admin.getByText('No key is "out" now', { exact: false }).waitFor();
    await admin.getByLabel('Status').selectOption('');
    await shot('09-keys', admin);
    expect(await seriousAxeViolations(admin, admin.url())).toEqual([]);
    await admin.getByRole('link', { name: 'Patrol car 101' }).click();
    const history = admin.getByRole('region', { name: 'History' });
    await history.getByText('Dana Ruiz').waitFor();
    // Taken at 02:00 in Chicago, shown in the site's zone with the zone named.
    await expect(history.textContent()).resolves.toMatch(/02:00 CST/);
    await expect(history.textContent()).resolves.toContain('after hours');
    await expect(history.textContent()).resolves.toContain('vehicle-swap');
    await shot('10-key-history', admin);
    expect(await seriousAxeViolations(admin, admin.url())).toEqual([]);

    await nav.getByRole('link', { name: 'Sites' }).click();
    await admin.getByRole('heading', { name: /Central Station/ }).waitFor();
    await admin.getByText('After hours: outside business hours').first().waitFor();
    const schedules = admin.getByRole('region', { name: 'Schedules' });
    await schedules.getByRole('heading', { name: /Night shift/ }).waitFor();
    await expect(schedules.textContent()).resolves.toContain('Mon 18:00 – Tue 07:00');
    await shot('11-sites', admin);
    expect(await seriousAxeViolations(admin, admin.url())).toEqual([]);
  });

  it("offers a key manager a console user's PIN and badges but not their authenticator", async () => {
    const berg = await signIn('p-berg');
    await berg.goto(`${url}/console/people/p-chen`);
    await berg.getByRole('heading', { name: /Marcus Chen/ }).waitFor({ timeout: 15_000 });
    await berg.getByRole('button', { name: 'Set a PIN…' }).waitFor();
    const totp = berg.getByRole('region', { name: 'Authenticator app (TOTP)' });
    await totp.getByText('only an admin may change their authenticator').waitFor();
    await expect(totp.getByRole('button').count()).resolves.toBe(0);
    await shot('11b-person-as-key-manager', berg);
    expect(await seriousAxeViolations(berg, berg.url())).toEqual([]);
    await berg.context().close();
  });

  it('shows a supervisor their team and themselves only, and no enrolment', async () => {
    const chen = await signIn('p-chen');
    await chen.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'People' }).click();
    await chen.getByRole('heading', { name: 'Your team' }).waitFor();
    await chen.locator('[data-person]').first().waitFor();
    const shown = await chen
      .locator('[data-person]')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-person')));
    expect(shown.sort()).toEqual(['p-chen', 'p-lee', 'p-novak', 'p-ruiz']);
    await shot('12-people-supervisor-team', chen);
    expect(await seriousAxeViolations(chen, chen.url())).toEqual([]);
    await chen.getByRole('link', { name: 'Dana Ruiz' }).click();
    await chen.getByRole('heading', { name: /Dana Ruiz/ }).waitFor();
    await expect(chen.getByRole('button', { name: /PIN/ }).count()).resolves.toBe(0);
    await expect(chen.getByRole('button', { name: 'Add badge' }).count()).resolves.toBe(0);
    await shot('13-person-as-supervisor', chen);
    // Another team's person: the API refuses, and the page says what to do next.
    await chen.goto(`${url}/console/people/p-berg`);
    await chen.getByRole('link', { name: 'Back to people' }).waitFor({ timeout: 15_000 });
    await shot('13b-person-of-another-team', chen);
    await chen.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Cabinets' }).click();
    await chen.getByRole('link', { name: 'Central lobby cabinet' }).click();
    await chen.locator('[data-slot="1"]').waitFor();
    await expect(chen.getByRole('button', { name: 'Issue a new token' }).count()).resolves.toBe(0);
    await shot('14-cabinet-as-supervisor', chen);
  });
});

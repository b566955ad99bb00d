/**
 * The after-hours story's second half, end to end in Debian's Chromium against the product server (buildServer
 * with the built web app and the cabinet protocol, a real port, SQLite) at 02:00 at Central Station (a
 * TestClock), with an in-process SMTP server configured through the notification settings service:
 *
 * the kiosk and the cabinet simulator page open side by side; Dana Ruiz's checkout releases slot 1 on the
 * simulator, whose fob she takes (the removal confirms the checkout); her supervisor's e-mail arrives (who,
 * which key, why, the local time); the clock passes the due time, the overdue scheduler's tick raises the
 * overdue alert, which reaches the supervisor's console (inbox and dashboard); the fob comes back late in
 * another slot and is recorded late and wrong-slot; a fob forced out without a checkout opens an incident
 * that the administrator's dashboard shows; a release nobody takes is locked again (the checkout undone); the
 * door, going offline, a revoked token. axe finds no serious or critical violation on the simulator.
 * The event router, sender and overdue scheduler are driven by hand (runOnce, runDueNow, tick) on the
 * simulated clock. Screenshots: test-results/web-simulator/.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCabinetToken, revokeCabinetTokens } from '../../src/cabinets/cabinet-tokens.service.js';
import { TEST_RATE_LIMITS } from '../../src/console/console-server.testing.js';
import { grantConsoleRole, setPassword } from '../../src/console/console-users.service.js';
import { addBadge, enrolTotp, setPin } from '../../src/credentials/credentials.service.js';
import { createFactorChecks } from '../../src/credentials/factor-verification.js';
import { SecretBox } from '../../src/credentials/secret-box.js';
import { relyingPartyFromEnv } from '../../src/credentials/webauthn-config.js';
import { DEFAULT_TOTP_SETTINGS, decodeBase32, totpCode } from '../../src/domain/credentials/totp.js';
import { buildServer } from '../../src/http/server.js';
import { setSmtpSettings } from '../../src/notifications/channel-settings.js';
import { EventRouter } from '../../src/notifications/event-router.js';
import { NotificationSender } from '../../src/notifications/notification-sender.js';
import { startSmtpServer, type TestSmtpServer } from '../../src/notifications/notifications.testing.js';
import { OverdueScheduler } from '../../src/overdue/overdue-scheduler.js';
import { createTestDatabase, type TestDatabase } from '../../src/store/test-databases.js';
import { newServiceContext, RIVERSIDE_POLICY, TestClock } from '../../src/testing/service-context.js';
import { chromiumForTests, launchChromium } from './support/chromium.js';
import { freePort, seriousAxeViolations } from './support/e2e-helpers.js';
import { ensureWebBuilt } from './support/web-build.js';

const chromium = chromiumForTests('test/e2e/cabinet-simulator.test.ts (cabinet simulator in Chromium)');
// Each browser test writes to a folder of its own, which it empties when it starts.
const SCREENSHOTS = new URL('../../test-results/web-simulator/', import.meta.url).pathname;
const BADGE = '4512093';
const PIN = '482913';
const PASSWORD = 'copper lantern night shift';
/** Wednesday 25 November 2026, 02:00 in Chicago (CST, UTC-6). */
const TWO_AM = '2026-11-25T08:00:00.000Z';
const RELEASE_MS = 8_000;
/** The overdue alert also goes to the console inbox (the example sends it by e-mail only). */
const POLICY = RIVERSIDE_POLICY.replace(
  '  - id: overdue\n    on: [overdue]\n    to: [person, supervisor]\n    via: [email]',
  '  - id: overdue\n    on: [overdue]\n    to: [person, supervisor]\n    via: [email, in-app]',
);

describe.skipIf(chromium.skip)(
  'the cabinet simulator in Chromium: late return, overdue, unauthorised removal',
  () => {
    let database: TestDatabase;
    let app: FastifyInstance;
    let browser: Browser;
    let kioskContext: BrowserContext;
    let kiosk: Page;
    let simulator: Page;
    let url: string;
    let cabinetToken: string;
    let smtp: TestSmtpServer;
    let router: EventRouter;
    let sender: NotificationSender;
    let overdue: OverdueScheduler;
    let chenSeed: Uint8Array;
    let okaforSeed: Uint8Array;
    const clock = new TestClock(Date.parse(TWO_AM));
    let revokeTokens: () => Promise<void>;
    const pageErrors: Error[] = [];
    const shot = (name: string, target: Page) =>
      target.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    /** What the background workers would do by themselves: route events, deliver the messages. */
    const deliver = async () => {
      await router.runOnce();
      await sender.runDueNow();
    };
    const db = () => database.store.db;
    const signInToConsole = async (person: string, seed: Uint8Array): Promise<Page> => {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      page.setDefaultTimeout(8000);
      page.on('pageerror', (error) => pageErrors.push(error));
      await page.goto(`${url}/console`);
      await page.getByLabel('Your ID').fill(person);
      await page.getByLabel('Password').fill(PASSWORD);
      await page
        .getByLabel('Authenticator code')
        .fill(await totpCode(seed, clock.now().getTime(), DEFAULT_TOTP_SETTINGS));
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
      return page;
    };

    beforeAll(async () => {
      rmSync(SCREENSHOTS, { recursive: true, force: true });
      mkdirSync(SCREENSHOTS, { recursive: true });
      const webRoot = ensureWebBuilt();
      expect(POLICY).not.toBe(RIVERSIDE_POLICY);
      database = await createTestDatabase('sqlite');
      const base = newServiceContext(database.store, clock);
      const secrets = new SecretBox({
        path: join(dirname(database.url.slice('sqlite:'.length)), 'secrets.key'),
      });
      const port = await freePort();
      const rp = relyingPartyFromEnv({ port, env: {} });
      url = `http://localhost:${port}`;
      const factors = createFactorChecks({ audit: base.audit, now: base.now, secrets });
      const context = { ...base, secrets, rp, factors };
      await context.activatePolicy(POLICY);
      smtp = await startSmtpServer();
      await db()
        .transaction()
        .execute(async (trx) => {
          await setSmtpSettings(
            trx,
            context,
            { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'keys@riverside.example' },
            'p-okafor',
          );
          await setPin(trx, context, 'p-ruiz', { pin: PIN });
          await addBadge(trx, context, 'p-ruiz', BADGE);
          await setPassword(trx, context, 'p-chen', PASSWORD);
          await grantConsoleRole(trx, context, 'p-chen', 'supervisor');
          chenSeed = decodeBase32((await enrolTotp(trx, context, 'p-chen')).secret);
          await setPassword(trx, context, 'p-okafor', PASSWORD);
          await grantConsoleRole(trx, context, 'p-okafor', 'admin');
          okaforSeed = decodeBase32((await enrolTotp(trx, context, 'p-okafor')).secret);
          cabinetToken = (await issueCabinetToken(trx, context, { cabinet: 'central-a', by: 'p-okafor' }))
            .token;
        });
      revokeTokens = () =>
        db()
          .transaction()
          .execute(async (trx) => {
            await revokeCabinetTokens(trx, context, { cabinet: 'central-a', by: 'p-okafor' });
          });
      router = new EventRouter(db(), context);
      sender = new NotificationSender(db(), context);
      overdue = new OverdueScheduler(db(), context);
      app = await buildServer({
        store: database.store,
        now: clock.now,
        terminal: context,
        console: context,
        approvals: context,
        notifications: context,
        consoleManagement: context,
        // A short release window, so that a fob left in its slot is locked again within the test.
        cabinets: { ...context, settings: { releaseTimeoutMs: RELEASE_MS } },
        rateLimits: TEST_RATE_LIMITS,
        web: { root: webRoot },
      });
      await app.listen({ host: '127.0.0.1', port });

      browser = await launchChromium(chromium.path);
      // The kiosk and the simulator beside it: one device, so they share the kiosk's token in localStorage.
      kioskContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      kiosk = await kioskContext.newPage();
      kiosk.setDefaultTimeout(8000);
      kiosk.on('pageerror', (error) => pageErrors.push(error));
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await sender?.close();
      await router?.stop();
      await app?.close();
      await smtp?.close();
      await database?.drop();
    }, 30_000);

    it('opens the simulator beside the kiosk, connected with the kiosk token: slots, fobs, door, online', async () => {
      await kiosk.goto(`${url}/kiosk/central-a/simulator`);
      // No token on this device yet (and no demo): it sends the person to set the kiosk up first.
      await kiosk.getByText('This device has no token for cabinet central-a').waitFor();
      await shot('01-simulator-without-token', kiosk);
      await kiosk.getByRole('link', { name: '/kiosk/central-a' }).click();
      await kiosk.getByLabel('Cabinet token').fill(cabinetToken);
      await kiosk.getByRole('button', { name: 'Save and start' }).click();
      await kiosk.getByRole('heading', { name: 'Central lobby cabinet' }).waitFor();
      // Outside the demo a kiosk shows no simulator link (a real kiosk stands in front of a real cabinet); the
      // page opens by its address, beside the kiosk, on the same device (the kiosk's token in localStorage).
      await expect(kiosk.getByRole('link', { name: /Cabinet simulator/ }).count()).resolves.toBe(0);
      await shot('02-kiosk-idle', kiosk);
      simulator = await kioskContext.newPage();
      simulator.setDefaultTimeout(8000);
      simulator.on('pageerror', (error) => pageErrors.push(error));
      await simulator.goto(`${url}/kiosk/central-a/simulator`);
      await simulator.getByRole('heading', { name: 'Cabinet simulator: central-a' }).waitFor();
      await simulator.getByTestId('connection-state').getByText('Online').waitFor();
      await expect(simulator.getByText('A demo and testing tool.').isVisible()).resolves.toBe(true);
      const slot1 = simulator.getByTestId('slot-1');
      await expect(slot1.textContent()).resolves.toMatch(/Patrol car 101.*Locked/);
      await expect(simulator.getByTestId('slot-4').textContent()).resolves.toContain('Empty');
      await expect(simulator.getByTestId('door-state').textContent()).resolves.toBe('Closed');
      await shot('03-simulator-connected', simulator);
      const cabinet = await db()
        .selectFrom('cabinets')
        .select(['online', 'reported_slots'])
        .where('id', '=', 'central-a')
        .executeTakeFirstOrThrow();
      expect(Number(cabinet.online)).toBe(1);
      expect(JSON.parse(cabinet.reported_slots ?? '{}')).toMatchObject({ '1': 'car-101', '2': 'car-102' });
    });

    it('has no serious or critical accessibility violation on the simulator page', async () => {
      expect(await seriousAxeViolations(simulator, 'simulator')).toEqual([]);
    });

    it("releases slot 1 on the simulator at Dana Ruiz's checkout; taking the fob confirms it", async () => {
      await kiosk.bringToFront();
      await kiosk.keyboard.type(BADGE);
      await kiosk.keyboard.press('Enter');
      await kiosk.getByRole('heading', { name: 'Enter your PIN' }).waitFor();
      await kiosk.keyboard.type(PIN);
      await kiosk.keyboard.press('Enter');
      await kiosk.getByRole('heading', { name: 'Welcome, Dana Ruiz' }).waitFor();
      await kiosk.getByRole('button', { name: /Patrol car 101/ }).click();
      await kiosk.getByLabel('Fresh patrol vehicle or vehicle swap').check();
      await kiosk.getByRole('button', { name: 'Take Patrol car 101' }).click();
      await kiosk.getByRole('heading', { name: 'Slot 1 is open: take Patrol car 101' }).waitFor();
      await shot('04-kiosk-slot-open', kiosk);

      await simulator.bringToFront();
      const slot1 = simulator.getByTestId('slot-1');
      await slot1.getByText(/Released: \d+ s left to take it/).waitFor();
      await simulator.getByText('The server released slot 1 (Patrol car 101)').waitFor();
      await shot('05-simulator-slot-released', simulator);
      await simulator.getByRole('button', { name: 'Take Patrol car 101 from slot 1' }).click();
      await simulator
        .getByText('Patrol car 101 taken from slot 1: the server confirmed the checkout.')
        .waitFor();
      await expect(slot1.textContent()).resolves.toContain('Empty');
      await simulator
        .getByRole('list', { name: 'In your hand' })
        .getByRole('button', { name: /Patrol car 101/ })
        .waitFor();
      await shot('06-simulator-fob-taken', simulator);
      const release = await db()
        .selectFrom('cabinet_releases')
        .innerJoin('checkouts', 'checkouts.id', 'cabinet_releases.checkout_id')
        .select(['cabinet_releases.status', 'checkouts.person_id', 'checkouts.reason'])
        .where('checkouts.key_id', '=', 'car-101')
        .executeTakeFirstOrThrow();
      expect(release).toEqual({ status: 'confirmed', person_id: 'p-ruiz', reason: 'vehicle-swap' });
    });

    it("e-mails the supervisor: who, which key, why, and the site's local time", async () => {
      await deliver();
      const [mail] = await smtp.waitFor(1);
      const to = mail?.to && !Array.isArray(mail.to) ? mail.to.text : '';
      expect(to).toContain('m.chen@riverside.example');
      const text = mail?.text ?? '';
      expect(text).toContain('Dana Ruiz');
      expect(text).toContain('Patrol car 101');
      expect(text).toContain('Fresh patrol vehicle or vehicle swap');
      expect(text).toMatch(/02:00/);
      expect(text).toContain('America/Chicago');
    });

    it("raises the overdue alert past the due time, in the supervisor's inbox and on the dashboard", async () => {
      const checkout = await db()
        .selectFrom('checkouts')
        .select(['id', 'due_at'])
        .where('key_id', '=', 'car-101')
        .where('status', '=', 'open')
        .executeTakeFirstOrThrow();
      expect(checkout.due_at).not.toBeNull();
      clock.set(new Date(Date.parse(checkout.due_at ?? '') + 5 * 60_000).toISOString());
      const tick = await overdue.tick();
      expect(tick.overdue).toBe(1);
      const before = smtp.mails.length;
      await deliver();
      const mails = await smtp.waitFor(before + 2); // Dana and her supervisor
      const toChen = mails
        .slice(before)
        .find((mail) => mail.to && !Array.isArray(mail.to) && mail.to.text.includes('m.chen@'));
      expect(toChen?.text).toContain('Patrol car 101');

      const chen = await signInToConsole('p-chen', chenSeed);
      const overduePanel = chen.getByRole('region', { name: 'Overdue' });
      await overduePanel.getByText('Patrol car 101').waitFor();
      await expect(overduePanel.textContent()).resolves.toContain('Dana Ruiz');
      const alerts = chen.getByRole('region', { name: 'Recent alerts' });
      await alerts
        .getByText(/Patrol car 101/)
        .first()
        .waitFor();
      await shot('07-console-supervisor-overdue', chen);
      const inbox = await db()
        .selectFrom('notification_messages')
        .select(['status'])
        .where('channel', '=', 'in-app')
        .where('address', '=', 'p-chen')
        .where('rule_id', '=', 'overdue')
        .execute();
      expect(inbox).toEqual([{ status: 'sent' }]);
      await chen.context().close();
    });

    it('records the fob put back in another slot as a late, wrong-slot return', async () => {
      await simulator.bringToFront();
      await simulator
        .getByRole('list', { name: 'In your hand' })
        .getByRole('button', { name: /Patrol car 101/ })
        .click();
      await simulator.getByText('Now choose an empty slot for Patrol car 101 (any slot).').waitFor();
      await shot('08-simulator-fob-chosen', simulator);
      await simulator.getByRole('button', { name: 'Put back here: Patrol car 101 into slot 5' }).click();
      await simulator
        .getByText('Patrol car 101 returned in slot 5: recorded late, in another slot than its own.')
        .waitFor();
      await expect(simulator.getByTestId('slot-5').textContent()).resolves.toMatch(/Patrol car 101.*Locked/);
      await shot('09-simulator-returned-late-wrong-slot', simulator);
      const returned = await db()
        .selectFrom('checkouts')
        .select(['status', 'late', 'wrong_slot', 'return_slot'])
        .where('key_id', '=', 'car-101')
        .executeTakeFirstOrThrow();
      expect(returned).toEqual({ status: 'returned', late: 1, wrong_slot: 1, return_slot: 5 });
    });

    it('opens an incident for a fob forced out without a checkout, shown on the console dashboard', async () => {
      await simulator
        .getByRole('button', { name: 'Force out (misuse): Patrol car 102 from slot 2, without a checkout' })
        .click();
      await simulator
        .getByText(/^Unauthorised removal: Patrol car 102 left slot 2 without a checkout/)
        .waitFor();
      await shot('10-simulator-unauthorised-removal', simulator);
      await deliver();
      const incident = await db()
        .selectFrom('incidents')
        .select(['kind', 'key_id', 'owner_id', 'status'])
        .where('key_id', '=', 'car-102')
        .executeTakeFirstOrThrow();
      expect(incident).toMatchObject({ key_id: 'car-102', status: 'open' });
      const key = await db()
        .selectFrom('keys')
        .select('status')
        .where('id', '=', 'car-102')
        .executeTakeFirstOrThrow();
      expect(key.status).toBe('missing');

      const okafor = await signInToConsole('p-okafor', okaforSeed);
      const incidents = okafor.getByRole('region', { name: 'Open incidents' });
      await incidents.getByText(/Patrol car 102/).waitFor();
      await shot('11-console-admin-incident', okafor);
      await okafor.context().close();
    });

    it('locks the slot again when the released fob is not taken in time, and undoes the checkout', async () => {
      await kiosk.bringToFront();
      await kiosk.goto(`${url}/kiosk/central-a`);
      await kiosk.getByRole('heading', { name: 'Central lobby cabinet' }).waitFor();
      await kiosk.keyboard.type(BADGE);
      await kiosk.keyboard.press('Enter');
      await kiosk.getByRole('heading', { name: 'Enter your PIN' }).waitFor();
      await kiosk.keyboard.type(PIN);
      await kiosk.keyboard.press('Enter');
      await kiosk.getByRole('heading', { name: 'Welcome, Dana Ruiz' }).waitFor();
      await kiosk.getByRole('button', { name: /Patrol car 103/ }).click();
      const reason = kiosk.getByLabel('Fresh patrol vehicle or vehicle swap');
      if (await reason.count()) await reason.check();
      await kiosk.getByRole('button', { name: 'Take Patrol car 103' }).click();
      await kiosk.getByRole('heading', { name: 'Slot 3 is open: take Patrol car 103' }).waitFor();

      await simulator.bringToFront();
      const slot3 = simulator.getByTestId('slot-3');
      await slot3.getByText(/Released: \d+ s left to take it/).waitFor();
      await simulator
        .getByText('The server locked slot 3 again: nobody took the fob in time, so the checkout was undone.')
        .waitFor({ timeout: RELEASE_MS + 5_000 });
      await expect(slot3.textContent()).resolves.toMatch(/Patrol car 103.*Locked/);
      await shot('12-simulator-release-timed-out', simulator);
      const undone = await db()
        .selectFrom('cabinet_releases')
        .innerJoin('checkouts', 'checkouts.id', 'cabinet_releases.checkout_id')
        .select(['cabinet_releases.status', 'checkouts.status as checkout'])
        .where('checkouts.key_id', '=', 'car-103')
        .executeTakeFirstOrThrow();
      expect(undone).toEqual({ status: 'timed-out', checkout: 'returned' });
    }, 30_000);

    it('holds the door open and goes offline and back online', async () => {
      await simulator.getByRole('button', { name: 'Open the door (hold it open)' }).click();
      await simulator.getByTestId('door-state').getByText(/^Open/).waitFor();
      await shot('13-simulator-door-open', simulator);
      await simulator.getByRole('button', { name: 'Close the door' }).click();
      await simulator.getByTestId('door-state').getByText('Closed').waitFor();
      await simulator.getByRole('button', { name: 'Go offline' }).click();
      await simulator.getByTestId('connection-state').getByText('Offline').waitFor();
      await expect(
        simulator.getByRole('button', { name: /Force out \(misuse\): Patrol car 103/ }).isDisabled(),
      ).resolves.toBe(true);
      await shot('14-simulator-offline', simulator);
      await simulator.getByRole('button', { name: 'Go online' }).click();
      await simulator.getByTestId('connection-state').getByText('Online').waitFor();
      const doors = await db()
        .selectFrom('audit_entries')
        .select('type')
        .where('type', 'in', ['cabinet.door-opened', 'cabinet.door-closed'])
        .orderBy('seq')
        .execute();
      expect(doors.map((row) => row.type)).toEqual(['cabinet.door-opened', 'cabinet.door-closed']);
      expect(pageErrors).toEqual([]);
    });

    it('says so when the saved token was revoked, and how to go on', async () => {
      await revokeTokens();
      await simulator.reload();
      await simulator
        .getByText(
          /^The server refused the token saved on this device for cabinet central-a \(revoked, or of another cabinet\). Set the kiosk up again at/,
        )
        .waitFor();
      await simulator.getByRole('link', { name: '/kiosk/central-a' }).waitFor();
      await shot('15-simulator-token-revoked', simulator);
      expect(pageErrors).toEqual([]);
    });
  },
);

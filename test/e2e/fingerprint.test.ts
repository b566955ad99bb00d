/**
 * End to end in Debian's Chromium: a person enrols a fingerprint and uses it through a CDP virtual
 * authenticator (a platform authenticator with user verification, as a terminal's fingerprint reader),
 * then a finger the reader does not recognise fails: in the page and on the server.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { listFingerprints } from '../../src/credentials/webauthn.service.js';
import { createTestDatabase, type TestDatabase } from '../../src/store/test-databases.js';
import { newServiceContext, TestClock } from '../../src/testing/service-context.js';
import { chromiumForTests, launchChromium } from './support/chromium.js';
import { type FingerprintTestServer, startFingerprintTestServer } from './support/fingerprint-test-app.js';

const SCREENSHOTS = new URL('../../test-results/fingerprint/', import.meta.url);
const chromium = chromiumForTests('test/e2e/fingerprint.test.ts (fingerprint enrolment and use in Chromium)');

describe.skipIf(chromium.skip)('fingerprint in Chromium with a virtual authenticator', () => {
  let database: TestDatabase;
  let server: FingerprintTestServer;
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    database = await createTestDatabase('sqlite');
    const now = () => new Date();
    await newServiceContext(database.store, new TestClock(Date.now())).activatePolicy();
    server = await startFingerprintTestServer({ store: database.store, audit: new AuditLog({ now }), now });
    browser = await launchChromium(chromium.path);
    page = await browser.newPage();
    cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    }));
    await page.goto(`${server.url}/test/fingerprint?person=p-ruiz`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await database?.drop();
  });

  async function click(button: string, screenshot: string): Promise<{ outcome: string; text: string }> {
    await page.getByRole('button', { name: button, exact: true }).click();
    const result = page.locator('#result');
    await result.and(page.locator('[data-outcome="success"], [data-outcome="failure"]')).waitFor();
    await page.screenshot({ path: new URL(screenshot, SCREENSHOTS).pathname });
    return {
      outcome: (await result.getAttribute('data-outcome')) ?? '',
      text: (await result.textContent()) ?? '',
    };
  }

  const successes = () => server.results.filter((result) => result.ok).length;

  it('enrols a fingerprint on the platform authenticator with user verification', async () => {
    expect(server.url).toMatch(/^http:\/\/localhost:\d+$/);
    expect(server.rp).toMatchObject({ id: 'localhost', origins: [server.url] });
    const shown = await click('Enrol fingerprint', '01-enrolled.png');
    expect(shown).toMatchObject({ outcome: 'success' });
    expect(shown.text).toMatch(/^Fingerprint enrolled/);

    const stored = await listFingerprints(database.store.db, 'p-ruiz');
    expect(stored).toHaveLength(1);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(Buffer.from(credentials[0]?.credentialId ?? '', 'base64').toString('base64url')).toBe(
      stored[0]?.credentialId,
    );
    expect(credentials[0]?.isResidentCredential).toBe(true);
  });

  it('accepts the enrolled finger', async () => {
    expect(await click('Use fingerprint', '02-accepted.png')).toEqual({
      outcome: 'success',
      text: 'Fingerprint accepted',
    });
    expect(server.results.at(-1)).toMatchObject({ person: 'p-ruiz', ok: true });
    const [fingerprint] = await listFingerprints(database.store.db, 'p-ruiz');
    expect(fingerprint?.lastUsedAt).not.toBeNull();
  });

  it('fails a finger the reader does not recognise, and the server records no success', async () => {
    const before = await database.store.db
      .selectFrom('credentials')
      .select(['counter', 'last_used_at'])
      .where('person_id', '=', 'p-ruiz')
      .executeTakeFirstOrThrow();
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });

    // With UV required the authenticator gives no assertion at all; the page reports the failure.
    expect(await click('Use fingerprint', '03-failed-finger.png')).toEqual({
      outcome: 'failure',
      text: 'Fingerprint not accepted (authenticator_refused)',
    });
    expect(server.results.at(-1)).toEqual({ person: 'p-ruiz', ok: false, reason: 'authenticator_refused' });

    // A terminal that asks without UV gets a signed assertion with the UV flag clear: still a failed factor.
    expect(await click('Use fingerprint without user verification', '04-failed-finger-uv-false.png')).toEqual(
      {
        outcome: 'failure',
        text: 'Fingerprint not accepted (not_verified)',
      },
    );
    expect(server.results.at(-1)).toMatchObject({ person: 'p-ruiz', ok: false, reason: 'not_verified' });

    expect(successes()).toBe(1);
    const after = await database.store.db
      .selectFrom('credentials')
      .select(['counter', 'last_used_at'])
      .where('person_id', '=', 'p-ruiz')
      .executeTakeFirstOrThrow();
    expect(after).toEqual(before);
  });

  it('accepts the finger again once the reader recognises it', async () => {
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
    expect(await click('Use fingerprint', '05-accepted-again.png')).toMatchObject({ outcome: 'success' });
    expect(successes()).toBe(2);
  });
});

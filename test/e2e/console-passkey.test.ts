/**
 * End to end in Debian's Chromium against the product server (buildServer, real port, SQLite): a console
 * admin signs in with password and authenticator code, enrols a passkey on a CDP virtual authenticator
 * (discoverable, user verification), signs out, and signs in again with password and passkey, all through
 * the public API from a page of the server's own origin (so the SameSite=Strict cookie and CSRF token work
 * as in a browser). A passkey whose user verification fails does not sign in.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_RATE_LIMITS } from '../../src/console/console-server.testing.js';
import { createAdmin } from '../../src/console/console-users.service.js';
import { listPasskeys } from '../../src/console/passkeys.service.js';
import { SecretBox } from '../../src/credentials/secret-box.js';
import { relyingPartyFromEnv } from '../../src/credentials/webauthn-config.js';
import { decodeBase32, totpCode } from '../../src/domain/credentials/totp.js';
import { buildServer } from '../../src/http/server.js';
import { createTestDatabase, type TestDatabase } from '../../src/store/test-databases.js';
import { newServiceContext, TestClock } from '../../src/testing/service-context.js';
import { chromiumForTests, launchChromium } from './support/chromium.js';
import { freePort } from './support/e2e-helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, read by the assertions
type Json = any;

const chromium = chromiumForTests('test/e2e/console-passkey.test.ts (console passkey sign-in in Chromium)');
const PASSWORD = 'violet kettle under 9 ferns';
const require = createRequire(import.meta.url);
const BROWSER_BUNDLE = readFileSync(
  join(dirname(require.resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js'),
  'utf8',
);

/** A port free now: the relying party's origin must be known before the routes are registered. */

describe.skipIf(chromium.skip)('console passkey in Chromium with a virtual authenticator', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  let seed: Uint8Array;
  let url: string;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    const context = {
      ...newServiceContext(database.store, new TestClock(Date.now())),
      now: () => new Date(),
      secrets: new SecretBox({ path: join(dirname(database.url.slice('sqlite:'.length)), 'secrets.key') }),
    };
    await context.activatePolicy();
    const created = await database.store.db
      .transaction()
      .execute((trx) => createAdmin(trx, context, 'p-okafor', PASSWORD, { by: 'cli' }));
    seed = decodeBase32(created.totpSecret as string);
    const port = await freePort();
    const rp = relyingPartyFromEnv({ port, env: {} });
    url = `http://localhost:${port}`;
    app = await buildServer({
      store: database.store,
      console: { ...context, rp },
      rateLimits: TEST_RATE_LIMITS,
    });
    await app.listen({ host: '127.0.0.1', port });

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
    // A page of the server's own origin (the health answer), with the WebAuthn browser helper added.
    await page.goto(`${url}/api/v1/health`);
    await page.addScriptTag({ content: BROWSER_BUNDLE });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  /** Runs fetch in the page: the cookie jar and origin are the browser's. */
  const call = (method: string, path: string, body?: unknown, csrf?: string) =>
    page.evaluate(
      async ({ method, path, body, csrf }) => {
        const response = await fetch(path, {
          method,
          headers: {
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(csrf ? { 'x-csrf-token': csrf } : {}),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        return { status: response.status, json: text ? JSON.parse(text) : null };
      },
      { method, path, body, csrf },
    );

  it('enrols a passkey after signing in with password and authenticator code', async () => {
    const totp = await totpCode(seed, Date.now(), { algorithm: 'SHA1', digits: 6, stepSeconds: 30 });
    const signedIn = await call('POST', '/api/v1/console/sessions', {
      person: 'p-okafor',
      password: PASSWORD,
      totp,
    });
    expect(signedIn.status).toBe(201);
    const csrf = signedIn.json.csrfToken as string;
    const options = await call('POST', '/api/v1/console/passkeys/options', {}, csrf);
    expect(options.status).toBe(200);
    const enrolled = await page.evaluate(
      async ({ options, csrf }) => {
        // biome-ignore lint/suspicious/noExplicitAny: the UMD bundle's global, in the page
        const { startRegistration } = (globalThis as any).SimpleWebAuthnBrowser;
        const response = await startRegistration({ optionsJSON: options });
        const answer = await fetch('/api/v1/console/passkeys', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
          body: JSON.stringify({ response, label: 'Chromium virtual authenticator' }),
        });
        return { status: answer.status, json: (await answer.json()) as Json };
      },
      { options: options.json.options, csrf },
    );
    expect(enrolled.status).toBe(201);
    const stored = await listPasskeys(database.store.db, 'p-okafor');
    expect(stored.map((passkey) => passkey.credentialId)).toEqual([enrolled.json.passkey.credentialId]);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials[0]?.isResidentCredential).toBe(true);
    expect((await call('DELETE', '/api/v1/console/sessions/current', undefined, csrf)).status).toBe(204);
    expect((await call('GET', '/api/v1/console/me')).status).toBe(401);
  });

  const passkeySignIn = () =>
    page.evaluate(async (password) => {
      // biome-ignore lint/suspicious/noExplicitAny: the UMD bundle's global, in the page
      const { startAuthentication } = (globalThis as any).SimpleWebAuthnBrowser;
      const post = async (path: string, body: unknown) => {
        const response = await fetch(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: response.status, json: (await response.json()) as Json };
      };
      const options = await post('/api/v1/console/sessions/passkey-options', { person: 'p-okafor' });
      let passkey: unknown;
      try {
        passkey = await startAuthentication({ optionsJSON: options.json.options });
      } catch (error) {
        return { status: 0, json: { browserError: (error as Error).name } };
      }
      return post('/api/v1/console/sessions', { person: 'p-okafor', password, passkey });
    }, PASSWORD);

  it('signs in with password and the discoverable passkey', async () => {
    const answer = await passkeySignIn();
    expect(answer.status).toBe(201);
    expect(answer.json.user.person).toBe('p-okafor');
    const me = await call('GET', '/api/v1/console/me');
    expect(me.status).toBe(200);
    const [passkey] = await listPasskeys(database.store.db, 'p-okafor');
    expect(passkey?.lastUsedAt).not.toBeNull();
  });

  it('does not sign in when the authenticator cannot verify the user', async () => {
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    const answer = await passkeySignIn();
    // With user verification required the authenticator gives no assertion at all.
    expect(answer).toEqual({ status: 0, json: { browserError: 'NotAllowedError' } });
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
  });
});

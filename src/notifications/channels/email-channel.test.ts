/**
 * The e-mail channel's connection pool against a real in-process SMTP server (smtp-server): messages in a
 * row share one connection (one login per connection), at most four at once, a change of settings moves to
 * a new pool, idle connections are closed, and a refused recipient is permanent without harming the pool.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SmtpSettings } from '../channel-settings.js';
import { startSmtpServer, type TestSmtpServer } from '../notifications.testing.js';
import { closeEmailConnections, POOL_IDLE_MS, sendEmail } from './email-channel.js';

const LOGIN = { user: 'keywarden', password: 'pool-test-password' };

function settings(smtp: TestSmtpServer, password = LOGIN.password): SmtpSettings & { password: string } {
  return {
    host: '127.0.0.1',
    port: smtp.port,
    security: 'none',
    user: LOGIN.user,
    password,
    from: 'keywarden@riverside.example',
  };
}

const mail = (n: number) => ({
  id: `msg-${n}`,
  to: 'm.chen@riverside.example',
  subject: `Car 101 taken after hours (${n})`,
  text: 'p-ruiz took car-101 at 02:30 (vehicle-swap).',
  html: null,
});

describe('e-mail channel', () => {
  const servers: TestSmtpServer[] = [];
  const server = async (options: { refuse?: string } = {}) => {
    const started = await startSmtpServer(LOGIN, options);
    servers.push(started);
    return started;
  };
  afterEach(async () => {
    closeEmailConnections();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('sends messages in a row over one connection, with their Message-IDs', async () => {
    const smtp = await server();
    for (let n = 0; n < 10; n++) {
      expect(await sendEmail(settings(smtp), mail(n))).toMatchObject({ kind: 'delivered' });
    }
    await smtp.waitFor(10);
    expect(smtp.mails.map((m) => m.messageId)).toEqual(
      Array.from({ length: 10 }, (_, n) => `<msg-${n}@keywarden>`),
    );
    expect(smtp.logins).toHaveLength(1);
  });

  it('opens at most four connections for messages sent at once', async () => {
    const smtp = await server();
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, n) => sendEmail(settings(smtp), mail(n))),
    );
    expect(outcomes.every((o) => o.kind === 'delivered')).toBe(true);
    expect(smtp.logins.length).toBeGreaterThan(0);
    expect(smtp.logins.length).toBeLessThanOrEqual(4);
  });

  it('moves to a new pool when the settings change, and logs in with the new password', async () => {
    const first = await server();
    const second = await server();
    expect(await sendEmail(settings(first), mail(1))).toMatchObject({ kind: 'delivered' });
    expect(await sendEmail(settings(second), mail(2))).toMatchObject({ kind: 'delivered' });
    expect(await sendEmail(settings(second, 'a-wrong-password'), mail(3))).toMatchObject({
      kind: 'transient',
    });
    expect(second.logins.map((l) => l.password)).toEqual([LOGIN.password, 'a-wrong-password']);
    // The first server's connection was let go: it shuts down without waiting for us.
    const closing = Date.now();
    await first.close();
    expect(Date.now() - closing).toBeLessThan(2000);
  });

  it('closes a connection left idle, and opens a new one for the next message', async () => {
    const smtp = await server();
    expect(await sendEmail(settings(smtp), mail(1))).toMatchObject({ kind: 'delivered' });
    await new Promise((resolve) => setTimeout(resolve, POOL_IDLE_MS + 500));
    expect(await sendEmail(settings(smtp), mail(2))).toMatchObject({ kind: 'delivered' });
    expect(smtp.logins).toHaveLength(2);
  });

  it('calls a refused recipient permanent, and the pool goes on delivering', async () => {
    const smtp = await server({ refuse: 'nobody@riverside.example' });
    const refused = await sendEmail(settings(smtp), { ...mail(1), to: 'nobody@riverside.example' });
    expect(refused).toMatchObject({ kind: 'permanent' });
    expect(await sendEmail(settings(smtp), mail(2))).toMatchObject({ kind: 'delivered' });
    await smtp.waitFor(1);
    expect(smtp.mails.map((m) => m.messageId)).toEqual(['<msg-2@keywarden>']);
  });
});

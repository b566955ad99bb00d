/**
 * Approvals over HTTP: the console's list, one request and the decision (roles, teams, the approver the rule
 * names), and the one-time link (its page, its single use, its expiry, and the password and code checked
 * as at console sign-in, with the same lockout).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRows, auditText } from '../credentials/credentials.testing.js';
import { testDialects } from '../store/test-databases.js';
import { approvalTopic } from './approval-events.js';
import { type ApprovalTestBed, createApprovalTestBed, PASSWORDS } from './approvals.testing.js';

const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

for (const dialect of await testDialects()) {
  describe(`approvals over HTTP on ${dialect}`, () => {
    let bed: ApprovalTestBed;

    const decide = async (person: string, id: string, body: Record<string, unknown>) =>
      bed.app.inject({
        method: 'POST',
        url: `/api/v1/approvals/${id}/decision`,
        headers: await bed.consoleHeaders(person),
        payload: body,
      });
    const read = async (person: string, url: string) =>
      bed.app.inject({ method: 'GET', url, headers: await bed.consoleHeaders(person) });
    const viaLink = (url: string, body: Record<string, string>) =>
      bed.app.inject({
        method: 'POST',
        url: `/api/v1/approval-links/${tokenOf(url)}/decision`,
        payload: body,
      });

    beforeAll(async () => {
      bed = await createApprovalTestBed(dialect);
    });
    afterAll(async () => {
      await bed.close();
    });

    it('puts one link per approver in the outbox event, and only its hash in the database', async () => {
      const { approval, links } = await bed.ask({ person: 'p-haddad', key: 'boiler-room' });
      expect(Object.keys(links)).toEqual(['p-okafor']);
      expect(links['p-okafor']).toMatch(/^http:\/\/localhost:8080\/approve\/kwa_[\w-]{43}$/);
      const rows = await bed.db
        .selectFrom('approval_links')
        .selectAll()
        .where('approval_id', '=', approval.id)
        .execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ person_id: 'p-okafor', expires_at: approval.expiresAt, used_at: null });
      expect(rows[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(rows)).not.toContain(tokenOf(links['p-okafor'] as string));
      expect(await auditText(bed.db)).not.toContain(tokenOf(links['p-okafor'] as string));
    });

    it('shows a supervisor only their team’s requests: another team’s is 403 to read and to decide', async () => {
      const theirs = await bed.ask({ person: 'p-haddad', key: 'boiler-room' }); // p-okafor's team
      const team = await bed.ask({ person: 'p-ruiz', key: 'boiler-room' }); // p-chen's team
      const list = await read('p-chen', '/api/v1/approvals?status=pending');
      expect(list.statusCode).toBe(200);
      const people = list.json().approvals.map((a: { person: string }) => a.person);
      expect(people).toContain('p-ruiz');
      expect(people).not.toContain('p-haddad');
      expect((await read('p-chen', `/api/v1/approvals/${theirs.approval.id}`)).statusCode).toBe(403);
      const refused = await decide('p-chen', theirs.approval.id, { decision: 'approve' });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('forbidden');
      const own = await read('p-chen', `/api/v1/approvals/${team.approval.id}`);
      expect(own.statusCode).toBe(200);
      expect(own.json()).toMatchObject({
        approval: { person: 'p-ruiz', status: 'pending' },
        description: {
          personName: 'Dana Ruiz',
          timezone: 'America/Chicago',
          reasonLabel: expect.any(String),
        },
        approvers: ['p-chen'],
      });
      // Administrators and auditors see every team.
      for (const person of ['p-okafor', 'p-novak']) {
        const all = (await read(person, '/api/v1/approvals?status=pending')).json();
        expect(all.approvals.map((a: { person: string }) => a.person)).toEqual(
          expect.arrayContaining(['p-ruiz', 'p-haddad']),
        );
      }
      expect((await read('p-chen', `/api/v1/approvals?status=bogus`)).statusCode).toBe(400);
    });

    it('lets only an approver the rule names decide, audits it with the note, and tells the live bus', async () => {
      const { approval } = await bed.ask({ person: 'p-ruiz', key: 'boiler-room' });
      // An administrator is not Dana Ruiz's supervisor: the console role opens the door, the rule decides.
      const admin = await decide('p-okafor', approval.id, { decision: 'approve' });
      expect(admin.statusCode).toBe(403);
      expect(admin.json().error.message).toContain("p-ruiz's supervisor");
      const auditor = await decide('p-novak', approval.id, { decision: 'approve' });
      expect(auditor.statusCode).toBe(403);
      const hints: unknown[] = [];
      const unsubscribe = bed.context.live.subscribe(approvalTopic(approval.id), (data) => hints.push(data));
      const approved = await decide('p-chen', approval.id, { decision: 'approve', note: 'boiler alarm, go' });
      unsubscribe();
      expect(approved.statusCode).toBe(200);
      expect(approved.json().approval).toMatchObject({ status: 'approved', decidedBy: 'p-chen' });
      expect(hints).toEqual([{ status: 'approved' }]);
      const [entry] = (await auditRows(bed.db, ['approval.approved'])).slice(-1);
      expect(entry).toMatchObject({
        actor: 'p-chen',
        data: { approval: approval.id, via: 'console', note: 'boiler alarm, go' },
      });
      const again = await decide('p-chen', approval.id, { decision: 'deny' });
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('approval_not_usable');
      const invalid = await decide('p-chen', approval.id, { decision: 'maybe' });
      expect(invalid.statusCode).toBe(400);
    });

    it('serves the link page: the request in the site’s local time, a form, no script, a strict CSP', async () => {
      const { links } = await bed.ask({ person: 'p-haddad', key: 'boiler-room' });
      const page = await bed.app.inject({
        method: 'GET',
        url: new URL(links['p-okafor'] as string).pathname,
      });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['content-security-policy']).toContain("default-src 'none'");
      expect(page.headers['content-security-policy']).toContain("form-action 'self'");
      expect(page.headers['referrer-policy']).toBe('no-referrer');
      expect(page.headers['cache-control']).toBe('no-store');
      const html = page.body;
      expect(html).toContain('Leila Haddad');
      expect(html).toContain('Central Station');
      expect(html).toMatch(/Wed 25 Nov 2026, 10:3\d CST/); // 16:30 UTC at the Chicago site
      expect(html).toContain('name="password"');
      const token = tokenOf(links['p-okafor'] as string);
      // Relative, so that it works under a proxy's path prefix too.
      expect(html).toContain(`action="../api/v1/approval-links/${token}/decision"`);
      expect(html).toContain('autocomplete="one-time-code"');
      expect(html).toContain('<meta name="viewport"');
      expect(html).not.toMatch(/<script|https?:\/\/(?!localhost)/);
      const unknown = await bed.app.inject({ method: 'GET', url: '/approve/kwa_not-a-real-token' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.body).toContain('cannot be used');
    });

    it('decides through a link once, with the approver’s password and authenticator code', async () => {
      const { approval, links } = await bed.ask({ person: 'p-haddad', key: 'boiler-room' });
      const url = links['p-okafor'] as string;
      const done = await viaLink(url, {
        password: PASSWORDS['p-okafor'] as string,
        totp: await bed.code('p-okafor'),
        decision: 'approve',
        note: 'on my way',
      });
      expect(done.statusCode).toBe(200);
      expect(done.json().approval).toMatchObject({
        id: approval.id,
        status: 'approved',
        decidedBy: 'p-okafor',
      });
      const [entry] = (await auditRows(bed.db, ['approval.approved'])).slice(-1);
      expect(entry?.data).toMatchObject({ via: 'link', note: 'on my way' });
      // The momentary console session of the check is over; no session is left open by a link.
      const open = await bed.db
        .selectFrom('console_sessions')
        .select('id')
        .where('person_id', '=', 'p-okafor')
        .where('ended_at', 'is', null)
        .where('created_at', '=', bed.clock.now().toISOString())
        .execute();
      expect(open).toEqual([]);
      const twice = await viaLink(url, {
        password: PASSWORDS['p-okafor'] as string,
        totp: await bed.code('p-okafor'),
        decision: 'deny',
      });
      expect(twice.statusCode).toBe(409);
      expect(twice.json().error.code).toBe('approval_not_usable');
      expect((await bed.app.inject({ method: 'GET', url: new URL(url).pathname })).statusCode).toBe(404);
    });

    it('decides through the page’s own form post and answers with a page', async () => {
      const { links } = await bed.ask({ person: 'p-haddad', key: 'boiler-room' });
      const token = tokenOf(links['p-okafor'] as string);
      const form = (fields: Record<string, string>) =>
        bed.app.inject({
          method: 'POST',
          url: `/api/v1/approval-links/${token}/decision`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams(fields).toString(),
        });
      const wrong = await form({ password: 'not my password at all', totp: '000000', decision: 'deny' });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(wrong.body).toContain('role="alert"');
      expect(wrong.body).toContain('action="decision"');
      const incomplete = await form({ password: 'x' });
      expect(incomplete.statusCode).toBe(400);
      expect(incomplete.body).toContain('Fill in');
      const denied = await form({
        password: PASSWORDS['p-okafor'] as string,
        totp: await bed.code('p-okafor'),
        decision: 'deny',
        note: '',
      });
      expect(denied.statusCode).toBe(200);
      expect(denied.body).toContain('Denied');
    });

    it('documents the routes in OpenAPI, the event stream as text/event-stream', async () => {
      const document = (await bed.app.inject({ method: 'GET', url: '/docs/json' })).json();
      for (const path of [
        '/api/v1/approvals',
        '/api/v1/approvals/{id}',
        '/api/v1/approvals/{id}/decision',
        '/api/v1/approval-links/{token}/decision',
        '/approve/{token}',
        '/api/v1/policy-versions/{version}/diff',
        '/api/v1/policy-versions/{version}/approve',
      ]) {
        expect(Object.keys(document.paths)).toContain(path);
      }
      const events = document.paths['/api/v1/sessions/{id}/approvals/{approval}/events'].get;
      expect(Object.keys(events.responses['200'].content)).toEqual(['text/event-stream']);
      expect(document.paths['/api/v1/policy-versions'].post).toBeDefined();
    });

    it('refuses an expired link', async () => {
      const { links } = await bed.ask({ person: 'p-haddad', key: 'boiler-room' });
      const url = links['p-okafor'] as string;
      bed.clock.advance(10 * 60_000 + 1_000);
      const late = await viaLink(url, {
        password: PASSWORDS['p-okafor'] as string,
        totp: await bed.code('p-okafor'),
        decision: 'approve',
      });
      expect(late.statusCode).toBe(409);
      expect(late.json().error.code).toBe('approval_not_usable');
      expect((await bed.app.inject({ method: 'GET', url: new URL(url).pathname })).statusCode).toBe(404);
    });

    it('answers a wrong password through a link as any failed sign-in, and counts it towards the lockout', async () => {
      const { approval, links } = await bed.ask({ person: 'p-ruiz', key: 'boiler-room' });
      const url = links['p-chen'] as string;
      const signInFailure = await bed.app.inject({
        method: 'POST',
        url: '/api/v1/console/sessions',
        payload: { person: 'p-chen', password: 'a wrong password here', totp: '000000' },
      });
      const answers = [];
      for (let attempt = 0; attempt < 4; attempt++) {
        answers.push(
          await viaLink(url, {
            password: `wrong password number ${attempt}`,
            totp: '000000',
            decision: 'approve',
          }),
        );
      }
      for (const answer of answers) {
        expect(answer.statusCode).toBe(401);
        expect(answer.json()).toEqual(signInFailure.json());
      }
      const failures = (await auditRows(bed.db, ['auth.factor-failed'])).filter(
        (row) => row.person === 'p-chen',
      );
      expect(failures).toHaveLength(5);
      expect(failures.every((row) => row.data.kind === 'password')).toBe(true);
      const locked = await auditRows(bed.db, ['auth.locked-out']);
      expect(locked.map((row) => row.person)).toContain('p-chen');
      // Locked out: the right password and code fail too, through the link and at console sign-in alike.
      const right = await viaLink(url, {
        password: PASSWORDS['p-chen'] as string,
        totp: await bed.code('p-chen'),
        decision: 'approve',
      });
      expect(right.statusCode).toBe(401);
      expect(right.json()).toEqual(signInFailure.json());
      const status = await read('p-okafor', `/api/v1/approvals/${approval.id}`);
      expect(status.json().approval.status).toBe('pending');
      const text = await auditText(bed.db);
      expect(text).not.toContain('wrong password number');
      expect(text).not.toContain(PASSWORDS['p-chen']);
      expect((await auditRows(bed.db, ['approval.link-refused'])).length).toBeGreaterThanOrEqual(5);
    });
  });
}

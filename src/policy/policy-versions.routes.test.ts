/**
 * Policy versions over HTTP: importing a file as a draft (YAML body or JSON), every problem of a bad file
 * at once with path and line, approval by a second person only, the diff in words with loosening changes
 * first, and the written procedure in both formats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApprovalTestBed, createApprovalTestBed } from '../approvals/approvals.testing.js';
import { testDialects } from '../store/test-databases.js';
import { RIVERSIDE_POLICY } from '../testing/service-context.js';

/** Riverside with a relabelled key (harmless) and the repair approval dropped (loosens control). */
const LOOSER_POLICY = RIVERSIDE_POLICY.replace(
  'label: Patrol car 103,',
  'label: Patrol car 103 (spare),',
).replace(
  '      reasons: [emergency-repair]\n      approval: supervisor\n',
  '      reasons: [emergency-repair]\n',
);
const BROKEN_POLICY = RIVERSIDE_POLICY.replace(
  'who: { roles: [officer, sergeant] }',
  'who: { roles: [officer, detective] }',
).replace('slots: 24', 'slots: 0');

for (const dialect of await testDialects()) {
  describe(`policy versions over HTTP on ${dialect}`, () => {
    let bed: ApprovalTestBed;

    const post = async (
      person: string,
      url: string,
      payload: string | Record<string, unknown>,
      type?: string,
    ) =>
      bed.app.inject({
        method: 'POST',
        url,
        headers: { ...(await bed.consoleHeaders(person)), ...(type ? { 'content-type': type } : {}) },
        payload,
      });
    const get = async (person: string, url: string) =>
      bed.app.inject({ method: 'GET', url, headers: await bed.consoleHeaders(person) });

    beforeAll(async () => {
      bed = await createApprovalTestBed(dialect);
      expect(LOOSER_POLICY).not.toBe(RIVERSIDE_POLICY);
    });
    afterAll(async () => {
      await bed.close();
    });

    it('imports a YAML body as a draft by the signed-in person, and JSON { source } alike', async () => {
      const yaml = await post('p-okafor', '/api/v1/policy-versions', LOOSER_POLICY, 'application/yaml');
      expect(yaml.statusCode).toBe(201);
      expect(yaml.json().version).toMatchObject({ version: 2, status: 'draft', createdBy: 'p-okafor' });
      expect(yaml.json().directory).toMatchObject({
        created: expect.any(Number),
        updated: expect.any(Number),
      });
      const json = await post('p-okafor', '/api/v1/policy-versions', { source: RIVERSIDE_POLICY });
      expect(json.statusCode).toBe(201);
      expect(json.json().version).toMatchObject({ version: 3, status: 'draft' });
      const text = await post('p-okafor', '/api/v1/policy-versions', RIVERSIDE_POLICY, 'text/plain');
      expect(text.statusCode).toBe(201);
      const audit = await bed.db
        .selectFrom('audit_entries')
        .select(['type', 'actor_id'])
        .where('type', '=', 'policy.imported')
        .execute();
      expect(audit.filter((row) => row.actor_id === 'p-okafor')).toHaveLength(4); // the bed's own import too
    });

    it('answers a bad file with every problem at once, each with its path and line, and stores nothing', async () => {
      const before = (await get('p-okafor', '/api/v1/policy-versions')).json().versions.length;
      const bad = await post('p-okafor', '/api/v1/policy-versions', BROKEN_POLICY, 'text/yaml');
      expect(bad.statusCode).toBe(422);
      const { error } = bad.json();
      expect(error.code).toBe('policy_invalid');
      const problems = error.details.problems.filter((p: { severity: string }) => p.severity === 'error');
      expect(problems.length).toBeGreaterThanOrEqual(2);
      for (const problem of problems) {
        expect(problem.path).toMatch(/^[a-zA-Z]/);
        expect(problem.line).toBeGreaterThan(0);
      }
      expect(problems.map((p: { path: string }) => p.path).join(' ')).toMatch(/rules\[0\]\.who\.roles\[1\]/);
      expect(error.message).toMatch(/line \d+: /);
      expect((await get('p-okafor', '/api/v1/policy-versions')).json().versions.length).toBe(before);
      const garbage = await post(
        'p-okafor',
        '/api/v1/policy-versions',
        'rules: [unclosed',
        'application/yaml',
      );
      expect(garbage.statusCode).toBe(422);
      const wrongType = await post('p-okafor', '/api/v1/policy-versions', '<policy/>', 'application/xml');
      expect(wrongType.statusCode).toBe(415);
      expect(wrongType.json().error.code).toBe('unsupported_media_type');
    });

    it('refuses the author approving their own draft, and lets a key manager approve it', async () => {
      const own = await post('p-okafor', '/api/v1/policy-versions/2/approve', {});
      expect(own.statusCode).toBe(409);
      expect(own.json().error.code).toBe('same_author');
      const supervisor = await post('p-chen', '/api/v1/policy-versions/2/approve', {});
      expect(supervisor.statusCode).toBe(403);
      const approved = await post('p-berg', '/api/v1/policy-versions/2/approve', {});
      expect(approved.statusCode).toBe(200);
      expect(approved.json().version).toMatchObject({ version: 2, status: 'active', approvedBy: 'p-berg' });
      const again = await post('p-berg', '/api/v1/policy-versions/2/approve', {});
      expect(again.json().error.code).toBe('policy_not_draft');
    });

    it("gives a version's next review date: its approval date plus the policy's reviewEveryDays", async () => {
      const approved = (await get('p-chen', '/api/v1/policy-versions/2')).json();
      const due = Date.parse(approved.version.approvedAt) + 180 * 86_400_000;
      expect(approved.review).toEqual({ everyDays: 180, nextAt: new Date(due).toISOString() });
    });

    it('says what changed in words, the changes that loosen control first, as JSON or text', async () => {
      const diff = await get('p-chen', '/api/v1/policy-versions/2/diff?against=1');
      expect(diff.statusCode).toBe(200);
      const body = diff.json();
      expect(body).toMatchObject({ from: 1, to: 2, loosening: 1 });
      expect(body.changes[0]).toMatchObject({ loosens: true, section: 'rules' });
      expect(body.changes[0].summary).toMatch(/approval/i);
      expect(
        body.changes.some(
          (c: { summary: string; loosens: boolean }) => !c.loosens && /Patrol car 103/.test(c.summary),
        ),
      ).toBe(true);
      expect(body.text).toContain('[loosens]');
      // Against the active version (2) by default.
      const anonymous = await bed.app.inject({ method: 'GET', url: '/api/v1/policy-versions/3/diff' });
      expect(anonymous.statusCode).toBe(401);
      const active = await get('p-novak', '/api/v1/policy-versions/3/diff');
      expect(active.json()).toMatchObject({ from: 2, to: 3 });
      const text = await get('p-novak', '/api/v1/policy-versions/2/diff?against=1&format=text');
      expect(text.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(text.body).toMatch(/^\d+ changes? \(1 loosens security\)/);
      expect((await get('p-novak', '/api/v1/policy-versions/2/diff')).json().error.code).toBe(
        'invalid_request',
      );
      expect((await get('p-novak', '/api/v1/policy-versions/99/diff?against=1')).statusCode).toBe(404);
    });

    it('renders the written procedure as HTML and as Markdown', async () => {
      const html = await get('p-chen', '/api/v1/policy-versions/2/procedure');
      expect(html.statusCode).toBe(200);
      expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(html.body).toContain('<html');
      expect(html.headers['content-security-policy']).toContain("default-src 'none'");
      const md = await get('p-chen', '/api/v1/policy-versions/2/procedure?format=md');
      expect(md.headers['content-type']).toBe('text/markdown; charset=utf-8');
      expect(md.body).toMatch(/^# /m);
    });
  });
}

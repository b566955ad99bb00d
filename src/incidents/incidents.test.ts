/**
 * Incidents and the console routes of notification rules on a real database: a key removed without a
 * checkout opens an incident (owner, timeline, messages); an incident closes only with a resolution; each
 * role's reach; templates edited, refused, previewed and used; the one-time acknowledgement page.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordUnauthorisedRemoval } from '../consequences/unauthorised-removal.js';
import { buildConsoleServer } from '../console/console-server.testing.js';
import { startConsoleSession } from '../console/console-sessions.service.js';
import { grantConsoleRole } from '../console/console-users.service.js';
import { auditRows } from '../credentials/credentials.testing.js';
import { KeywardenError } from '../domain/errors.js';
import {
  createRulesTestBed,
  type RulesTestBed,
  WEDNESDAY_MORNING,
  WEDNESDAY_NIGHT,
} from '../notifications/notifications-rules.testing.js';
import { testDialects } from '../store/test-databases.js';
import {
  addIncidentNote,
  assignIncident,
  closeIncident,
  getIncident,
  listIncidents,
  openIncident,
} from './incidents.service.js';

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(KeywardenError);
  expect((error as KeywardenError).code).toBe(code);
}

for (const dialect of await testDialects()) {
  describe(`incidents and notification routes (${dialect})`, () => {
    let bed: RulesTestBed;
    let app: FastifyInstance;
    const headers = async (person: string) => {
      const opened = await startConsoleSession(bed.db, person, bed.clock.now());
      return { cookie: `kw_session=${opened.token}`, 'x-csrf-token': opened.csrfToken };
    };
    const removal = async () => {
      bed.clock.set(WEDNESDAY_NIGHT);
      await bed.db
        .transaction()
        .execute((trx) =>
          recordUnauthorisedRemoval(trx, bed.context, { cabinet: 'central-b', slot: 2, key: 'evidence-1' }),
        );
      await bed.router.runOnce();
      const [incident] = await listIncidents(bed.db, { status: 'open', limit: 10 });
      return incident?.id as string;
    };

    beforeEach(async () => {
      bed = await createRulesTestBed(dialect);
      await bed.db.transaction().execute(async (trx) => {
        for (const [person, role] of [
          ['p-okafor', 'admin'],
          ['p-berg', 'key-manager'],
          ['p-chen', 'supervisor'],
          ['p-haddad', 'auditor'],
        ] as const) {
          await grantConsoleRole(trx, bed.context, person, role, { by: 'cli' });
        }
      });
      app = await buildConsoleServer({ store: bed.database.store, now: bed.clock.now, console: bed.context });
      await app.ready();
    });
    afterEach(async () => {
      await app.close();
      await bed.drop();
    });

    it('opens an incident when a key leaves its slot without a checkout, and tells the watch commander', async () => {
      const id = await removal();
      const key = await bed.db
        .selectFrom('keys')
        .select('status')
        .where('id', '=', 'evidence-1')
        .executeTakeFirstOrThrow();
      expect(key.status).toBe('missing');
      const slot = await bed.db
        .selectFrom('slots')
        .select('key_id')
        .where('cabinet_id', '=', 'central-b')
        .where('number', '=', 2)
        .executeTakeFirst();
      expect(slot?.key_id ?? null).toBeNull();
      const [removed] = await auditRows(bed.db, ['key.unauthorised-removal']);
      expect(removed).toMatchObject({ cabinet: 'central-b', data: { slot: 2, statusBefore: 'in' } });

      const incident = await getIncident(bed.db, id);
      expect(incident).toMatchObject({
        kind: 'unauthorised-removal',
        status: 'open',
        key: 'evidence-1',
        person: null,
        owner: 'p-okafor', // nobody's supervisor: the first administrator
      });
      expect(incident.summary).toContain('Evidence room 1 left its slot without a checkout');
      expect(incident.timeline.map((item) => item.kind)).toEqual(['event', 'opened']);
      const told = (await bed.messages()).filter((m) => m.rule_id === 'consequence:2');
      expect(told.map((m) => `${m.channel} ${m.address}`)).toEqual([
        'email g.okafor@riverside.example',
        'in-app p-okafor',
      ]);
      expect(told[0]?.body_text).toContain(
        'Where: Evidence wing cabinet (central-b), slot 2, Central Station',
      );
    });

    it('closes an incident only with a resolution note; notes and assignment go on the timeline, audited', async () => {
      const id = await removal();
      const context = bed.context;
      for (const resolution of [undefined, '', '   ']) {
        await expectCode(
          bed.db
            .transaction()
            .execute((trx) => closeIncident(trx, context, { id, by: 'p-okafor', resolution })),
          'resolution_required',
        );
      }
      await bed.db.transaction().execute(async (trx) => {
        await addIncidentNote(trx, context, { id, by: 'p-okafor', text: 'Camera shows the night cleaner.' });
        await assignIncident(trx, context, { id, by: 'p-okafor', owner: 'p-chen' });
      });
      await expectCode(
        bed.db
          .transaction()
          .execute((trx) => assignIncident(trx, context, { id, by: 'p-okafor', owner: 'p-lee' })),
        'person_inactive',
      );
      const closed = await bed.db.transaction().execute((trx) =>
        closeIncident(trx, context, {
          id,
          by: 'p-chen',
          resolution: 'Key found in the wing office; re-trained.',
        }),
      );
      expect(closed).toMatchObject({
        status: 'closed',
        owner: 'p-chen',
        resolution: 'Key found in the wing office; re-trained.',
      });
      expect(closed.timeline.map((item) => [item.kind, item.actor])).toEqual([
        ['event', null],
        ['opened', null],
        ['note', 'p-okafor'],
        ['assigned', 'p-okafor'],
        ['closed', 'p-chen'],
      ]);
      await expectCode(
        bed.db
          .transaction()
          .execute((trx) => closeIncident(trx, context, { id, by: 'p-chen', resolution: 'again' })),
        'incident_closed',
      );
      const types = (await auditRows(bed.db))
        .map((row) => row.type)
        .filter((type) => type.startsWith('incident.'));
      expect(types).toEqual([
        'incident.opened',
        'incident.note-added',
        'incident.assigned',
        'incident.closed',
      ]);
    });

    it('answers the incident routes by role: 422 without a resolution, supervisors their team only, auditors read', async () => {
      const removalId = await removal();
      const teamId = (
        await bed.db.transaction().execute((trx) =>
          openIncident(trx, bed.context, {
            kind: 'overdue',
            person: 'p-ruiz',
            key: 'car-101',
            checkout: null,
            summary: 'Patrol car 101 overdue',
            cause: { type: 'overdue', id: null },
          }),
        )
      ).id;
      const admin = await headers('p-okafor');
      const chen = await headers('p-chen');
      const auditor = await headers('p-haddad');

      const list = await app.inject({ method: 'GET', url: '/api/v1/incidents?status=open', headers: admin });
      expect(
        list
          .json()
          .incidents.map((i: { id: string }) => i.id)
          .sort(),
      ).toEqual([removalId, teamId].sort());
      const close = await app.inject({
        method: 'POST',
        url: `/api/v1/incidents/${removalId}/close`,
        headers: admin,
        payload: {},
      });
      expect(close.statusCode).toBe(422);
      expect(close.json().error.code).toBe('resolution_required');

      const chenList = await app.inject({ method: 'GET', url: '/api/v1/incidents', headers: chen });
      expect(chenList.json().incidents.map((i: { id: string }) => i.id)).toEqual([teamId]);
      expect(
        (await app.inject({ method: 'GET', url: `/api/v1/incidents/${removalId}`, headers: chen }))
          .statusCode,
      ).toBe(403);
      const note = await app.inject({
        method: 'POST',
        url: `/api/v1/incidents/${teamId}/notes`,
        headers: chen,
        payload: { text: 'Spoke to Dana: car at the garage.' },
      });
      expect(note.statusCode).toBe(200);
      expect(note.json().timeline.at(-1)).toMatchObject({ kind: 'note', actor: 'p-chen' });

      expect(
        (await app.inject({ method: 'GET', url: `/api/v1/incidents/${teamId}`, headers: auditor }))
          .statusCode,
      ).toBe(200);
      const refused = await app.inject({
        method: 'POST',
        url: `/api/v1/incidents/${teamId}/notes`,
        headers: auditor,
        payload: { text: 'x' },
      });
      expect(refused.statusCode).toBe(403);
    });

    it('edits, refuses, previews and resets templates; the router uses an edited one', async () => {
      const admin = await headers('p-okafor');
      const url = '/api/v1/notifications/templates/after-hours-removal/email';
      const initial = await app.inject({ method: 'GET', url, headers: admin });
      expect(initial.json()).toMatchObject({ custom: false, rule: 'after-hours-removal', channel: 'email' });

      const bad = await app.inject({
        method: 'PUT',
        url,
        headers: admin,
        payload: { subject: '{{person.pin}}', text: 'x {{#if}}' },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.details.unknown).toEqual(['person.pin', '{{#if}}']);

      const template = {
        subject: 'Night key: {{key.label}} by {{person.name}}',
        text: 'Taken at {{event.time}} ({{event.zone}}) because: {{reason.label}}',
        html: '<p>{{person.name}}</p>',
      };
      const keyManager = await headers('p-berg');
      expect(
        (await app.inject({ method: 'PUT', url, headers: keyManager, payload: template })).statusCode,
      ).toBe(403);
      const saved = await app.inject({ method: 'PUT', url, headers: admin, payload: template });
      expect(saved.statusCode).toBe(200);
      expect(saved.json()).toMatchObject({ custom: true, updatedBy: 'p-okafor', ...template });

      const preview = await app.inject({
        method: 'POST',
        url: `${url}/preview`,
        headers: keyManager,
        payload: { html: '<b>{{person.name}}</b> {{reason.label}}' },
      });
      expect(preview.json()).toEqual({
        subject: 'Night key: Patrol car 101 by Dana Ruiz',
        text: 'Taken at Wed 25 Nov 2026 21:30 (America/Chicago) because: Fresh patrol vehicle or vehicle swap',
        html: '<b>Dana Ruiz</b> Fresh patrol vehicle or vehicle swap',
      });

      bed.clock.set(WEDNESDAY_NIGHT);
      const event = await bed.take({
        person: 'p-ruiz',
        key: 'car-101',
        factors: ['pin', 'badge'],
        reason: 'vehicle-swap',
      });
      await bed.router.runOnce();
      const mail = (await bed.messages(event)).find((m) => m.address === 'm.chen@riverside.example');
      expect(mail?.subject).toBe('Night key: Patrol car 101 by Dana Ruiz');
      expect(mail?.body_text).toBe(
        'Taken at Wed 25 Nov 2026 21:30 (America/Chicago) because: Fresh patrol vehicle or vehicle swap',
      );
      const sms = (await bed.messages(event)).find((m) => m.channel === 'sms');
      expect(sms?.body_text).toContain('Keywarden: Dana Ruiz took Patrol car 101'); // other channels: the default

      const later = await headers('p-okafor'); // the clock moved past the first session's idle end
      const reset = await app.inject({ method: 'DELETE', url, headers: later });
      expect(reset.json().custom).toBe(false);
      expect((await app.inject({ method: 'DELETE', url, headers: later })).statusCode).toBe(404);
      expect(
        (await auditRows(bed.db, ['notification.template-saved', 'notification.template-deleted'])).map(
          (r) => r.type,
        ),
      ).toEqual(['notification.template-saved', 'notification.template-deleted']);
    });

    it('serves the acknowledgement page without using the link; the button acknowledges once', async () => {
      bed.clock.set(WEDNESDAY_MORNING);
      const event = await bed.take({ person: 'p-berg', key: 'evidence-1', factors: ['pin', 'badge'] });
      await bed.router.runOnce();
      const [message] = await bed.messages(event);
      const token = /\/ack\/(kwa_[\w-]+)/.exec(message?.body_text ?? '')?.[1] as string;

      const page = await app.inject({ method: 'GET', url: `/ack/${token}` });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-security-policy']).toContain("default-src 'none'");
      expect(page.body).toContain(`<form method="post" action="/api/v1/acknowledgements/${token}">`);
      expect(page.body).toContain('Evidence room 1');
      expect((await app.inject({ method: 'GET', url: `/ack/${token}` })).statusCode).toBe(200);

      const pressed = await app.inject({
        method: 'POST',
        url: `/api/v1/acknowledgements/${token}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: '',
      });
      expect(pressed.statusCode).toBe(200);
      expect(pressed.body).toContain('the event is acknowledged and its escalation stopped');
      const again = await app.inject({
        method: 'POST',
        url: `/api/v1/acknowledgements/${token}`,
        payload: {},
      });
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('ack_link_used');
      expect((await app.inject({ method: 'GET', url: `/ack/${token}` })).body).toContain(
        'Already acknowledged',
      );
      expect((await app.inject({ method: 'GET', url: '/ack/kwa_nothing' })).statusCode).toBe(404);
      const escalation = await bed.db
        .selectFrom('notification_escalations')
        .selectAll()
        .executeTakeFirstOrThrow();
      expect(escalation.status).toBe('acknowledged');
    });

    it('lets a console user acknowledge from the inbox; a supervisor only their team or what was sent to them', async () => {
      bed.clock.set(WEDNESDAY_MORNING);
      const event = await bed.take({ person: 'p-berg', key: 'evidence-1', factors: ['pin', 'badge'] });
      await bed.router.runOnce();
      const url = `/api/v1/notifications/events/${event}/acknowledge`;
      const byChen = await app.inject({ method: 'POST', url, headers: await headers('p-chen'), payload: {} });
      expect(byChen.statusCode).toBe(403);
      const byAdmin = await app.inject({
        method: 'POST',
        url,
        headers: await headers('p-okafor'),
        payload: {},
      });
      expect(byAdmin.statusCode).toBe(200);
      expect(byAdmin.json()).toMatchObject({
        event,
        acknowledgedBy: 'p-okafor',
        via: 'console',
        already: false,
      });
      const [audited] = await auditRows(bed.db, ['notification.acknowledged']);
      expect(audited).toMatchObject({ actor: 'p-okafor', data: { event, via: 'console' } });
      const missing = await app.inject({
        method: 'POST',
        url: '/api/v1/notifications/events/nope/acknowledge',
        headers: await headers('p-okafor'),
        payload: {},
      });
      expect(missing.statusCode).toBe(404);
    });
  });
}

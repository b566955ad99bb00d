/**
 * GET /: a read-only status page for a person who just started Keywarden: the active policy, where every
 * key is, who holds what (overdue ones marked), open incidents, notifications that cannot go out (waiting
 * for channel settings, dead letters), the latest audit entries, and links to the API docs and the
 * written procedure. The full console arrives with the web issue; this page needs no JavaScript.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { KeywardenError } from '../domain/errors.js';
import { WAITING_FOR_SETTINGS } from '../domain/notifications/delivery-policy.js';
import { escapeHtml, renderProcedure } from '../domain/procedure/render-procedure.js';
import { getPolicyVersion } from '../policy/policy-versions.service.js';
import type { Store } from '../store/database.js';

const STYLE = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1b1f24;background:#f5f6f8}
header{background:#14324f;color:#fff;padding:14px 28px;display:flex;gap:24px;align-items:baseline}
header h1{font-size:20px;margin:0}header a{color:#cfe3ff}main{padding:20px 28px;display:grid;gap:20px;grid-template-columns:1fr 1fr}
section{background:#fff;border:1px solid #d9dde3;border-radius:8px;padding:14px 18px}section.wide{grid-column:1/-1}
h2{font-size:16px;margin:0 0 10px}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eceff3;font-size:14px}
th{color:#5b6673;font-weight:600}.tag{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}
.in{background:#e3f4e8;color:#17663a}.out{background:#fff1d6;color:#8a5a00}.missing,.late,.denied{background:#fde2e2;color:#9b1c1c}.ah{background:#e7e3fb;color:#4b2ea0}
.muted{color:#6b7480}code{font-size:13px}`;

/**
 * First use (the demo): where to go next. Fingerprints and passkeys (WebAuthn) work only at the relying
 * party's origin, http://localhost:PORT by default (docs/web.md), so a page opened at 127.0.0.1 links to
 * localhost on the same port; any other host (a real name behind a proxy) keeps relative links.
 */
function firstUseLinks(request: FastifyRequest, cabinet: string | undefined): string {
  const loopback = request.hostname === '127.0.0.1' || request.hostname === '[::1]';
  const base = loopback ? `http://localhost${request.port ? `:${request.port}` : ''}` : '';
  const kiosk = cabinet ? `${base}/kiosk/${encodeURIComponent(cabinet)}` : null;
  const links = [
    kiosk ? `<a href="${escapeHtml(kiosk)}">the kiosk of cabinet ${escapeHtml(cabinet ?? '')}</a>` : null,
    kiosk ? `<a href="${escapeHtml(kiosk)}/simulator">its cabinet simulator</a>` : null,
    `<a href="${escapeHtml(base)}/console">the console</a>`,
  ].filter((link) => link !== null);
  return `<section class="wide"><h2>Start here</h2><p>Open ${links.join(', ')}.</p></section>`;
}

function localTime(iso: string | null, zone: string | undefined): string {
  if (!iso) return '—';
  const time = DateTime.fromISO(iso, { zone: zone ?? 'utc' });
  return `${time.toFormat('ccc yyyy-LL-dd HH:mm')} <span class="muted">${escapeHtml(time.offsetNameShort ?? time.zoneName ?? '')}</span>`;
}

/**
 * `detailed` shows who holds which key and the latest audit entries: for the demo and for a machine only its
 * managers can reach. `summary` (the default) shows counts only: names stay behind the API's sign-in.
 */
export type StatusPageMode = 'detailed' | 'summary';

export function registerStatusPage(
  app: FastifyInstance,
  store: Store,
  now: () => Date,
  mode: StatusPageMode = 'summary',
): void {
  // The demo links its written procedure without a sign-in; elsewhere it is read through the API.
  app.get('/procedure', { schema: { hide: true } }, async (_request, reply) => {
    const active = await store.db
      .selectFrom('policy_versions')
      .select('version')
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (mode !== 'detailed' || !active) {
      throw new KeywardenError('not_found', 'no public procedure here: read it through the API');
    }
    const { policy } = await getPolicyVersion(store.db, active.version);
    reply.type('text/html; charset=utf-8');
    return renderProcedure(policy, { format: 'html', year: now().getUTCFullYear() });
  });

  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    const db = store.db;
    const [active, keys, open, entries, head, incidents, backlog, firstCabinet] = await Promise.all([
      db.selectFrom('policy_versions').selectAll().where('status', '=', 'active').executeTakeFirst(),
      db
        .selectFrom('keys')
        .innerJoin('cabinets', 'cabinets.id', 'keys.cabinet_id')
        .innerJoin('sites', 'sites.id', 'cabinets.site_id')
        .select([
          'keys.id',
          'keys.label',
          'keys.status',
          'keys.slot',
          'cabinets.name as cabinet',
          'sites.timezone',
        ])
        .orderBy('keys.id')
        .limit(200)
        .execute(),
      db
        .selectFrom('checkouts')
        .innerJoin('people', 'people.id', 'checkouts.person_id')
        .innerJoin('keys', 'keys.id', 'checkouts.key_id')
        .innerJoin('cabinets', 'cabinets.id', 'checkouts.cabinet_id')
        .innerJoin('sites', 'sites.id', 'cabinets.site_id')
        .select([
          'checkouts.id',
          'people.name as person',
          'keys.label as key',
          'checkouts.taken_at',
          'checkouts.due_at',
          'checkouts.reason',
          'checkouts.after_hours',
          'sites.timezone',
        ])
        .where('checkouts.status', '=', 'open')
        .orderBy('checkouts.taken_at', 'desc')
        .limit(100)
        .execute(),
      db.selectFrom('audit_entries').selectAll().orderBy('seq', 'desc').limit(15).execute(),
      db.selectFrom('audit_head').selectAll().where('id', '=', 1).executeTakeFirst(),
      db
        .selectFrom('incidents')
        .select(['id', 'kind', 'summary', 'opened_at', 'owner_id'])
        .where('status', '=', 'open')
        .orderBy('opened_at', 'desc')
        .limit(50)
        .execute(),
      db
        .selectFrom('notification_messages')
        .select([
          (eb) =>
            eb.fn
              .sum<number>(
                eb.case().when('last_error', 'like', `${WAITING_FOR_SETTINGS}:%`).then(1).else(0).end(),
              )
              .as('waiting'),
          (eb) => eb.fn.sum<number>(eb.case().when('status', '=', 'dead').then(1).else(0).end()).as('dead'),
        ])
        .where('status', 'in', ['pending', 'dead'])
        .executeTakeFirst(),
      db.selectFrom('cabinets').select('id').orderBy('id').limit(1).executeTakeFirst(),
    ]);
    const waiting = Number(backlog?.waiting ?? 0);
    const dead = Number(backlog?.dead ?? 0);
    // What an administrator should act on: open incidents, messages that cannot go out.
    const incidentCount = `${incidents.length}${incidents.length === 50 ? '+' : ''} open incident${incidents.length === 1 ? '' : 's'}`;
    const deliveryProblems = [
      waiting > 0
        ? `${waiting} notification${waiting === 1 ? '' : 's'} waiting for channel settings (<code>keywarden notify smtp set --help</code>)`
        : null,
      dead > 0 ? `${dead} undeliverable (dead) notification${dead === 1 ? '' : 's'}` : null,
    ].filter((line) => line !== null);
    // What an administrator should act on: open incidents, messages that cannot go out.
    const attention = [incidentCount, ...deliveryProblems].join('; ');
    const deliveryLine = deliveryProblems.length
      ? `${deliveryProblems.join('; ')}.`
      : 'Every notification so far has gone out.';
    const incidentRows = incidents
      .map(
        (i) =>
          `<tr><td>${escapeHtml(i.opened_at.replace('T', ' ').slice(0, 16))} UTC</td><td>${escapeHtml(i.kind)}</td><td>${escapeHtml(i.summary)}</td><td>${escapeHtml(i.owner_id ?? '')}</td></tr>`,
      )
      .join('');
    const nowIso = now().toISOString();
    const keyRows = keys
      .map(
        (k) =>
          `<tr><td><code>${escapeHtml(k.id)}</code></td><td>${escapeHtml(k.label)}</td><td>${escapeHtml(k.cabinet)}, slot ${k.slot}</td><td><span class="tag ${escapeHtml(k.status)}">${escapeHtml(k.status)}</span></td></tr>`,
      )
      .join('');
    const openRows = open
      .map((c) => {
        const late = c.due_at !== null && c.due_at < nowIso;
        return `<tr><td>${escapeHtml(c.person)}</td><td>${escapeHtml(c.key)}</td><td>${localTime(c.taken_at, c.timezone)}${c.after_hours ? ' <span class="tag ah">after hours</span>' : ''}</td><td>${localTime(c.due_at, c.timezone)}${late ? ' <span class="tag late">overdue</span>' : ''}</td><td>${escapeHtml(c.reason ?? '')}</td></tr>`;
      })
      .join('');
    const entryRows = entries
      .map(
        (e) =>
          `<tr><td>${e.seq}</td><td>${escapeHtml(e.at.replace('T', ' ').slice(0, 19))} UTC</td><td><span class="tag ${e.type.includes('denied') ? 'denied' : ''}">${escapeHtml(e.type)}</span></td><td>${escapeHtml(e.person_id ?? e.actor_id ?? '')}</td><td>${escapeHtml(e.key_id ?? '')}</td></tr>`,
      )
      .join('');
    const detailed = mode === 'detailed';
    const policyLine = active
      ? `Active policy: <strong>${escapeHtml(active.name)}</strong>, version ${active.version}${detailed ? `, approved by ${escapeHtml(active.approved_by ?? '')} — <a href="/procedure">read the written procedure</a>` : ''}`
      : 'No policy is active yet: <code>keywarden policy import FILE --by PERSON</code>, then a second person runs <code>keywarden policy approve VERSION --by PERSON</code>.';
    const startLinks = detailed ? firstUseLinks(request, firstCabinet?.id) : '';
    reply.type('text/html; charset=utf-8');
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Keywarden</title><style>${STYLE}</style></head><body>
<header><h1>Keywarden</h1><span>${policyLine}</span><a href="/docs">API documentation</a></header>
<main>${startLinks}
${
  detailed
    ? `<section class="wide"><h2>Keys out now (${open.length})</h2>${open.length ? `<table><tr><th>Person</th><th>Key</th><th>Taken (site time)</th><th>Due</th><th>Reason</th></tr>${openRows}</table>` : '<p class="muted">Every key is in its cabinet.</p>'}</section>
<section class="wide"><h2>Open incidents (${incidents.length})</h2><p class="muted">${deliveryLine}</p>${incidents.length ? `<table><tr><th>Opened</th><th>Kind</th><th>What happened</th><th>Owner</th></tr>${incidentRows}</table>` : ''}</section>
<section><h2>Keys (${keys.length})</h2><table><tr><th>Id</th><th>Key</th><th>Home</th><th>Status</th></tr>${keyRows}</table></section>
<section><h2>Latest audit entries</h2><p class="muted">Chain head: entry ${head?.seq ?? 0}, <code>${escapeHtml((head?.hash ?? '').slice(0, 16))}…</code></p><table><tr><th>#</th><th>When</th><th>Event</th><th>Person</th><th>Key</th></tr>${entryRows}</table></section>`
    : `<section class="wide"><h2>Keys out now: ${open.length} of ${keys.length}</h2><p class="muted">${open.filter((c) => c.due_at !== null && c.due_at < nowIso).length} overdue. Audit chain head: entry ${head?.seq ?? 0}.</p><p class="muted">${attention}. Who holds which key is shown to signed-in managers (the API under /api/v1; the console arrives later).</p></section>`
}
</main></body></html>`;
  });
}

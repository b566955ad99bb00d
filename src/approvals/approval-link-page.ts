/**
 * The page behind a one-time approval link: small, self-contained (no script, no external asset), readable
 * on a phone and with a screen reader. It shows the request (who, which key, where, when in the site's local
 * time, why) and a form that posts the approver's password, authenticator code, decision and note. The
 * Content-Security-Policy allows nothing but its own inline style and a form post to this server.
 */
import { DateTime } from 'luxon';
import { escapeHtml } from '../domain/procedure/render-procedure.js';
import type { Approval, ApprovalDescription } from './approvals.service.js';

/** No scripts, frames, images or connections; the one inline style sheet; forms post only here. */
export const LINK_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Headers for every answer of the link routes that is a page. */
export const LINK_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': LINK_PAGE_CSP,
  'cache-control': 'no-store',
  // The token is in the URL: never send it on as a Referer.
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

const STYLE = `
:root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--muted:#57606a;--line:#d0d7de;--ok:#1a7f37;--no:#cf222e}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9da7b3;--line:#30363d;--ok:#3fb950;--no:#f85149}}
*{box-sizing:border-box}body{margin:0;font:1.05rem/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:34rem;margin:0 auto;padding:1rem}h1{font-size:1.4rem;margin:.5rem 0 1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0 0 1.2rem}dt{color:var(--muted)}dd{margin:0}
label{display:block;font-weight:600;margin:.9rem 0 .3rem}
input,textarea{width:100%;font:inherit;padding:.6rem;border:1px solid var(--line);border-radius:.4rem;background:var(--bg);color:var(--fg)}
fieldset{border:1px solid var(--line);border-radius:.4rem;margin:1rem 0;padding:.6rem .9rem}
fieldset label{display:inline-flex;align-items:center;gap:.4rem;font-weight:400;margin:.3rem 1.2rem .3rem 0}
fieldset input{width:auto}
button{font:inherit;font-weight:600;padding:.75rem 1.2rem;border:0;border-radius:.4rem;background:var(--fg);color:var(--bg);width:100%;margin-top:1rem}
:focus-visible{outline:3px solid #0969da;outline-offset:2px}
.muted{color:var(--muted)}.ok{color:var(--ok)}.no{color:var(--no)}
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · Keywarden</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/** An instant in the site's zone, with the zone's abbreviation: `Fri 27 Nov 2026, 21:30 CST`. */
export function siteLocalTime(iso: string, timezone: string): string {
  const time = DateTime.fromISO(iso, { zone: 'utc' }).setZone(timezone);
  return `${time.toFormat('ccc d LLL yyyy, HH:mm')} ${time.offsetNameShort ?? time.zoneName ?? timezone}`;
}

/** The request and the decision form. `action` is the URL the form posts to. */
export function writeLinkPage(input: {
  approval: Approval;
  description: ApprovalDescription;
  approverName: string;
  action: string;
  /** A message above the form (a failed attempt). */
  notice?: string;
}): string {
  const { approval, description: d } = input;
  const where = [d.cabinetName, d.siteName].filter(Boolean).join(', ');
  const notice = input.notice ? `<p class="no" role="alert">${escapeHtml(input.notice)}</p>` : '';
  return page(
    'Approval request',
    `<h1>${escapeHtml(d.personName)} asks for your approval</h1>
<dl>
<dt>Who</dt><dd>${escapeHtml(d.personName)} <span class="muted">(${escapeHtml(approval.person)})</span></dd>
<dt>Key</dt><dd>${escapeHtml(d.keyLabel)} <span class="muted">(${escapeHtml(approval.key)})</span></dd>
<dt>Where</dt><dd>${escapeHtml(where)}</dd>
<dt>When</dt><dd>${escapeHtml(siteLocalTime(approval.requestedAt, d.timezone))}</dd>
<dt>Reason</dt><dd>${escapeHtml(d.reasonLabel ?? 'none given')}</dd>
<dt>Expires</dt><dd>${escapeHtml(siteLocalTime(approval.expiresAt, d.timezone))}</dd>
</dl>
${notice}
<form method="post" action="${escapeHtml(input.action)}">
<p class="muted">Deciding as ${escapeHtml(input.approverName)}. Confirm with your console password and authenticator code; this link works once.</p>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
<label for="totp">Authenticator code</label>
<input id="totp" name="totp" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6,8}" required maxlength="8">
<fieldset>
<legend>Decision</legend>
<label><input type="radio" name="decision" value="approve" required> Approve</label>
<label><input type="radio" name="decision" value="deny"> Deny</label>
</fieldset>
<label for="note">Note <span class="muted">(optional)</span></label>
<textarea id="note" name="note" rows="2" maxlength="500"></textarea>
<button type="submit">Send decision</button>
</form>`,
  );
}

/** The answer after a decision, or when the link cannot be used. */
export function writeLinkResultPage(input: { title: string; message: string; tone: 'ok' | 'no' }): string {
  return page(
    input.title,
    `<h1 class="${input.tone}">${escapeHtml(input.title)}</h1>\n<p role="status">${escapeHtml(input.message)}</p>`,
  );
}

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicyText } from '../policy/parse-policy.js';
import type { PolicyFile } from '../policy/policy-file.js';
import { type Block, type ProcedureDocument, plainText } from './procedure-model.js';
import { buildProcedure, renderProcedure } from './render-procedure.js';

const EXAMPLE_TEXT = readFileSync(
  new URL('../../../../shared/examples/riverside-pd.yaml', import.meta.url),
  'utf8',
);

/** A fresh copy of the example policy, safe to edit in one test. */
function loadExample(): PolicyFile {
  const { policy, problems } = parsePolicyText(EXAMPLE_TEXT);
  if (!policy) throw new Error(`example policy is invalid: ${JSON.stringify(problems)}`);
  return structuredClone(policy);
}

function ruleById(policy: PolicyFile, id: string) {
  const rule = policy.rules.find((candidate) => candidate.id === id);
  if (!rule) throw new Error(`no rule ${id}`);
  return rule;
}

const md = (policy: PolicyFile, year = 2026) => renderProcedure(policy, { format: 'md', year });
const html = (policy: PolicyFile, year = 2026) => renderProcedure(policy, { format: 'html', year });

/** The Markdown from a `###` heading that starts with `title` up to the next heading. */
function partOf(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n### ${title}`);
  if (start < 0) throw new Error(`no part "${title}"`);
  const end = markdown.slice(start + 1).search(/\n#{1,3} /);
  return end < 0 ? markdown.slice(start) : markdown.slice(start, start + 1 + end);
}

/** What a reader sees of an HTML page: text without tags, entities decoded, spaces collapsed. */
function readHtml(page: string): string {
  return (
    page
      .replace(/<style>[\s\S]*?<\/style>/g, ' ')
      // Inline emphasis sits inside a sentence; every other tag separates texts.
      .replace(/<\/?strong>/g, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&')
      .replace(/\s+/g, ' ')
  );
}

/** What a reader sees of rendered Markdown: no markers, no escapes, table cells as separate words. */
function readMarkdown(markdown: string): string {
  const dropEscapes = (text: string) => text.replace(/\\([!-/:-@[-`{-~])/g, '$1');
  return markdown
    .split('\n')
    .filter((line) => !/^\|( --- \|)+$/.test(line) && line !== '---')
    .map((line) =>
      line.startsWith('|')
        ? line
            .slice(1, -1)
            .split(/(?<!\\)\|/)
            .map((cell) => dropEscapes(cell.trim()))
            .join(' ')
        : dropEscapes(line.replace(/^\s*(#{1,6} |- |\d+\. )/, '').replace(/\*\*/g, '')),
    )
    .join(' ')
    .replace(/\s+/g, ' ');
}

/** Every text of the document model, each as one string a reader must find whole. */
function collectTexts(document: ProcedureDocument): string[] {
  const texts = [document.title];
  const visit = (block: Block) => {
    if (block.kind === 'paragraph') texts.push(plainText(block.text));
    if (block.kind === 'list')
      for (const item of block.items) texts.push(plainText(item.text), ...(item.items ?? []).map(plainText));
    if (block.kind === 'table') texts.push(...block.head, ...block.rows.flat().filter((cell) => cell !== ''));
    if (block.kind === 'signature') texts.push(...block.fields);
    if (block.kind === 'part') {
      texts.push(block.title);
      block.blocks.forEach(visit);
    }
  };
  document.lead.forEach(visit);
  for (const section of document.sections) {
    texts.push(section.title);
    section.blocks.forEach(visit);
  }
  document.footer.forEach(visit);
  return texts.map((text) => text.replace(/\s+/g, ' '));
}

describe('renderProcedure on the Riverside example', () => {
  const policy = loadExample();
  const markdown = md(policy);
  const page = html(policy);

  it('names the owner and the review cadences', () => {
    expect(markdown).toContain('# Riverside PD after-hours key access procedure\n');
    expect(markdown).toContain('Owner: **Grace Okafor** (p-okafor), g.okafor@riverside.example');
    expect(markdown).toContain('This procedure is reviewed every 180 days.');
    expect(markdown).toContain('key permissions every 90 days (access review)');
  });

  it("shows Central Station's business hours per weekday in its time zone, closed days as closed", () => {
    const central = partOf(markdown, 'Central Station');
    expect(central).toContain('Time zone: America/Chicago.');
    expect(central).toContain('| Monday | 07:00 – 18:00 |');
    expect(central).toContain('| Saturday | 08:00 – 12:00 |');
    expect(central).toContain('| Sunday | closed |');
    expect(partOf(markdown, 'North Substation')).toContain('| Saturday | closed |');
  });

  it('lists the public holidays and local closures of the year asked for', () => {
    const central = partOf(markdown, 'Central Station');
    expect(central).toContain(
      'Public holidays of US/TX (United States of America, Texas) count as after hours',
    );
    expect(central).toContain('Holidays and closures in 2026');
    expect(central).toContain('| 2026-11-26 | Thursday | Thanksgiving Day |');
    expect(central).toContain('| 2026-12-24 | Thursday | Local closure |');
    // North has no local closure: the same day is its public holiday.
    expect(partOf(markdown, 'North Substation')).toContain('| 2026-12-24 | Thursday | Christmas Eve |');
    const next = partOf(md(policy, 2027), 'Central Station');
    expect(next).toContain('| 2027-11-25 | Thursday | Thanksgiving Day |');
    expect(next).not.toContain('2026-');
  });

  it('explains what after hours means', () => {
    expect(markdown).toContain(
      "**After hours** means any time outside a site's business hours, and the whole day on a public holiday or a local closure of that site.",
    );
  });

  it('lists each key group with its sensitivity, cabinet and slot', () => {
    const evidence = partOf(markdown, 'Evidence room (critical)');
    expect(evidence).toContain('| Evidence room 1 | Evidence wing cabinet | Central Station | 2 |');
    expect(partOf(markdown, 'Patrol vehicles (normal)')).toContain(
      '| Patrol car 201 | North cabinet | North Substation | 1 |',
    );
  });

  it('says who may take which keys and when, one part per rule in file order', () => {
    const titles = [...markdown.matchAll(/^### (\d+)\. /gm)].map((match) => Number(match[1]));
    expect(titles).toEqual([1, 2, 3, 4, 5]);
    expect(markdown).toContain(
      'People with the role Patrol officer or Sergeant may take Patrol vehicles (Patrol car 101, Patrol car 102, Patrol car 103, Patrol car 201) at any time.',
    );
    expect(partOf(markdown, '1. Patrol vehicles')).toContain(
      'A person may hold at most 1 key under this rule at once, this one included.',
    );
  });

  it('gives different factors for business hours and after hours', () => {
    const patrol = partOf(markdown, '1. Patrol vehicles');
    const [business, afterHours] = patrol.split('**After hours:**');
    expect(business).toContain('Prove who you are with 1 of: PIN, badge, fingerprint, authenticator code.');
    expect(afterHours).toContain('Prove who you are with 2 of: PIN, badge, fingerprint, authenticator code.');
    expect(afterHours).toContain(
      'A reason is required: “Fresh patrol vehicle or vehicle swap” or “Incident response”.',
    );
  });

  it("asks for the supervisor's approval for maintenance keys after hours only", () => {
    const [business, afterHours] = partOf(markdown, '2. Facility and maintenance').split('**After hours:**');
    expect(business).toContain('No approval is needed.');
    expect(business).toContain('The key must be returned within 8 hours.');
    expect(afterHours).toContain("Approval by the person's supervisor is needed before the key is released.");
    expect(afterHours).toContain('The key must be returned within 4 hours.');
    expect(afterHours).toContain('A reason is required: “Emergency repair”.');
  });

  it('requires a Sergeant or Watch commander as witness for evidence keys after hours', () => {
    const [business, afterHours] = partOf(markdown, '3. Evidence room').split('**After hours:**');
    expect(business).toContain('No witness is needed.');
    expect(afterHours).toContain(
      'A witness is needed: a second person who is a Sergeant or a Watch commander signs in at the cabinet as witness.',
    );
    expect(afterHours).toContain('Prove who you are with 3 of: PIN, badge, fingerprint, authenticator code.');
  });

  it('requires a second eligible person at the armory at any time', () => {
    const armory = partOf(markdown, '4. Armory');
    expect(
      armory.match(/a second person who may take this key signs in at the cabinet as witness/g),
    ).toHaveLength(2);
  });

  it('shows a night-shift rule with its schedule and only its after-hours conditions', () => {
    const night = partOf(markdown, '5. Facility and maintenance (Sergeant)');
    expect(night).toContain('during the Night shift schedule: every day 18:00 – 07:00 (next day).');
    expect(night).not.toContain('**During business hours:**');
    expect(night).toContain('**After hours:**');
    expect(markdown).toContain('- **Night shift**: every day 18:00 – 07:00 (next day)');
  });

  it('lists every situation with the keys that accept it after hours', () => {
    expect(markdown).toContain('## Situations in which after-hours access is allowed');
    expect(markdown).toContain('| Emergency repair | Facility and maintenance (Maintenance technician);');
    expect(markdown).toContain('| Urgent evidence intake | Evidence room (Evidence technician);');
  });

  it('numbers the after-hours steps from what the rules require', () => {
    const steps = markdown.slice(
      markdown.indexOf('## After-hours procedure'),
      markdown.indexOf('## Notifications'),
    );
    expect(steps).toMatch(
      /^1\. Go to the cabinet that holds the key and sign in at its terminal with your badge or your person id\.$/m,
    );
    expect(steps).toMatch(/^\d+\. If the key needs approval, .*Approval by:$/m);
    expect(steps).toContain(
      "   - the person's supervisor – for Facility and maintenance (Maintenance technician)",
    );
    expect(steps).toContain('   - within 4 hours – for Facility and maintenance (Maintenance technician)');
    expect(steps).toContain(
      '| Evidence room (Evidence technician) | 3 of: PIN, badge, fingerprint, authenticator code | required: “Urgent evidence intake” | none | a second person who is a Sergeant or a Watch commander | within 12 hours |',
    );
  });

  it('states notifications in words, with the escalation', () => {
    expect(markdown).toContain(
      "- When a key is taken after hours, the person's supervisor is notified by e-mail and SMS.",
    );
    expect(markdown).toContain(
      '- When a critical key is taken, everyone with the role Watch commander is notified by e-mail and SMS. If no one acknowledges within 15 minutes, Grace Okafor is notified.',
    );
    expect(markdown).toContain(
      "- When a key is not returned by its due time, the person concerned and the person's supervisor are notified by e-mail.",
    );
  });

  it('states the consequences of violations', () => {
    expect(markdown).toContain(
      "- 3 denied attempts within 10 minutes by the same person: the person's supervisor is notified, and the person is locked out of all cabinets for 30 minutes.",
    );
    expect(markdown).toContain(
      '- A key still not returned 2 hours after its due time: an incident is opened for a manager to document and close, and everyone with the role Watch commander is notified.',
    );
    expect(markdown).toContain('(unauthorised removal): an incident is opened');
  });

  it('ends with the policy it came from and a place to sign', () => {
    expect(markdown).toContain('Generated from policy "Riverside PD after-hours key access procedure".');
    expect(markdown).toMatch(
      /\| Approved by \(name\) \| Date \| Signature \|\n\| --- \| --- \| --- \|\n\| {3}\| {3}\| {3}\|\n$/,
    );
    expect(page).toContain('<table class="signature">');
  });

  it('says the same facts in Markdown and HTML', () => {
    const texts = collectTexts(buildProcedure(policy, 2026));
    expect(texts.length).toBeGreaterThan(150);
    const fromMarkdown = readMarkdown(markdown);
    const fromHtml = readHtml(page);
    for (const text of texts) {
      expect(fromMarkdown, 'Markdown').toContain(text);
      expect(fromHtml, 'HTML').toContain(text);
    }
  });

  it('writes a standalone, printable HTML page', () => {
    expect(page.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(page).toContain('<meta charset="utf-8">');
    expect(page).toContain('<title>Riverside PD after-hours key access procedure</title>');
    expect(page).toContain('@media print');
    expect(page).toMatch(/break-inside: avoid/);
    expect(page).toMatch(/th, td \{ border: 1px solid/);
    expect(page).not.toMatch(/<script|<link|<img|<iframe|@import|url\(|https?:\/\//i);
    expect(page.trimEnd().endsWith('</html>')).toBe(true);
  });

  it('lists the holidays of the current year when no year is given', () => {
    const year = new Date().getUTCFullYear();
    expect(renderProcedure(policy, { format: 'md' })).toContain(`Holidays and closures in ${year}`);
  });
});

describe('renderProcedure follows edits of the policy', () => {
  it('shows a changed maximum duration', () => {
    const policy = loadExample();
    const rule = ruleById(policy, 'maintenance-facility');
    rule.afterHours = { ...rule.afterHours, maxDuration: '1h30m' };
    const markdown = md(policy);
    const [, afterHours] = partOf(markdown, '2. Facility and maintenance').split('**After hours:**');
    expect(afterHours).toContain('The key must be returned within 1 hour 30 minutes.');
    expect(markdown).not.toContain('within 4 hours');
    expect(markdown).toContain(
      '- within 1 hour 30 minutes – for Facility and maintenance (Maintenance technician)',
    );
    expect(readHtml(html(policy))).toContain('The key must be returned within 1 hour 30 minutes.');
  });

  it('drops the approval step when no rule needs approval', () => {
    const policy = loadExample();
    const rule = ruleById(policy, 'maintenance-facility');
    rule.afterHours = { ...rule.afterHours, approval: 'none' };
    const markdown = md(policy);
    expect(markdown).not.toContain('If the key needs approval');
    expect(markdown).not.toContain("Approval by the person's supervisor");
  });

  it('names a role approver with its article', () => {
    const policy = loadExample();
    ruleById(policy, 'maintenance-facility').afterHours = { approval: 'role:watch-commander' };
    expect(md(policy)).toContain('Approval by a Watch commander is needed before the key is released.');
  });

  it('shows no after-hours conditions for a business-hours rule, and no business-hours ones for an after-hours rule', () => {
    const policy = loadExample();
    ruleById(policy, 'evidence-techs').when = 'business-hours';
    ruleById(policy, 'officers-patrol-cars').when = 'after-hours';
    const markdown = md(policy);
    const evidence = partOf(markdown, '3. Evidence room');
    expect(evidence).toContain('**During business hours:**');
    expect(evidence).not.toContain('**After hours:**');
    expect(evidence).toContain('This rule does not apply after hours.');
    expect(evidence).toContain('during business hours only.');
    const patrol = partOf(markdown, '1. Patrol vehicles');
    expect(patrol).not.toContain('**During business hours:**');
    expect(patrol).toContain('only after hours.');
    // The evidence rule no longer applies after hours, so its situation is accepted by fewer rules.
    expect(markdown).not.toContain('| Urgent evidence intake | Evidence room (Evidence technician)');
  });

  it('renders an overnight window as running into the next day', () => {
    const policy = loadExample();
    const north = policy.sites.find((site) => site.id === 'north');
    if (!north) throw new Error('no north site');
    north.businessHours = {
      ...north.businessHours,
      fri: ['08:00-12:00', '22:00-06:00'],
      sun: ['00:00-24:00'],
    };
    policy.schedules[0] = {
      id: 'night-shift',
      name: 'Night shift',
      windows: { mon: ['22:00-06:00'], tue: ['22:00-06:00'], sat: ['20:00-24:00'] },
    };
    const markdown = md(policy);
    const northPart = partOf(markdown, 'North Substation');
    expect(northPart).toContain('| Friday | 08:00 – 12:00, 22:00 – 06:00 (next day) |');
    expect(northPart).toContain('| Sunday | all day |');
    expect(markdown).toContain(
      'during the Night shift schedule: Monday and Tuesday 22:00 – 06:00 (next day); Saturday 20:00 – 24:00.',
    );
    expect(readHtml(html(policy))).toContain('Friday 08:00 – 12:00, 22:00 – 06:00 (next day)');
  });

  it('lists open days and sites without a holiday calendar', () => {
    const policy = loadExample();
    const [central, north] = policy.sites;
    if (!central || !north) throw new Error('example sites missing');
    central.holidays = { ...central.holidays, open: ['2026-11-27'] };
    north.holidays = undefined;
    const markdown = md(policy);
    expect(partOf(markdown, 'Central Station')).not.toContain('Day after Thanksgiving');
    expect(partOf(markdown, 'Central Station')).toContain(
      'Open as usual, with normal business hours, although a public holiday: Friday 2026-11-27.',
    );
    expect(partOf(markdown, 'North Substation')).toContain(
      'Public holidays do not count as after hours at this site.',
    );
    expect(partOf(markdown, 'North Substation')).toContain('No holidays or closures in 2026.');
  });
});

describe('renderProcedure with hostile text in the policy', () => {
  const policy = loadExample();
  policy.policy.name = '<script>alert("pwned")</script> & Co';
  const officer = policy.roles.find((role) => role.id === 'officer');
  if (officer) officer.name = '<img src=x onerror=alert(1)>';
  const reason = policy.reasons.find((candidate) => candidate.id === 'emergency-repair');
  if (reason) reason.label = 'Pipe | burst *now* [link](javascript:x)';
  const page = html(policy);
  const markdown = md(policy);

  it('escapes every policy string in HTML', () => {
    expect(page).not.toMatch(/<script|<img/i);
    expect(page).toContain('<title>&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; Co</title>');
    expect(page).toContain('People with the role &lt;img src=x onerror=alert(1)&gt; or Sergeant');
    expect(readHtml(page)).toContain('Pipe | burst *now* [link](javascript:x)');
  });

  it('escapes Markdown syntax and keeps table rows whole', () => {
    expect(markdown.startsWith('# \\<script\\>alert("pwned")\\</script\\> & Co\n')).toBe(true);
    expect(markdown).not.toMatch(/(?<!\\)<script/);
    const row = markdown.split('\n').find((line) => line.startsWith('| Pipe'));
    expect(row).toBe(
      '| Pipe \\| burst \\*now\\* \\[link\\](javascript:x) | Facility and maintenance (Maintenance technician); Armory (Watch commander, Sergeant); Facility and maintenance (Sergeant) |',
    );
    expect(row?.split(/(?<!\\)\|/)).toHaveLength(4);
  });
});

describe('part-day public holidays', () => {
  it('says from when a holiday that starts part-way through the day counts as after hours', () => {
    const policy = loadExample();
    const site = policy.sites[0] as PolicyFile['sites'][number];
    site.timezone = 'Australia/Adelaide';
    site.holidays = { country: 'AU', region: 'SA' };
    const text = md(policy);
    expect(text).toMatch(/\| 2026-12-24 \| Thursday \| Christmas Eve \| 19:00 \|/);
    expect(text).toMatch(/\| 2026-12-25 \| Friday \| Christmas Day \| all day \|/);
  });
});

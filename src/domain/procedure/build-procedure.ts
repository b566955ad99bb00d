/** Builds the whole written procedure from a policy file, as a format-neutral document. */
import type { PolicyFile } from '../policy/policy-file.js';
import { buildKeysSection } from './keys-section.js';
import { createNameBook, type NameBook } from './name-book.js';
import { buildConsequencesSection, buildNotificationsSection } from './notices-section.js';
import { type Block, type ProcedureDocument, paragraph } from './procedure-model.js';
import { buildRulesSection } from './rules-section.js';
import { buildSitesSection } from './sites-section.js';
import { buildSituationsSection } from './situations-section.js';
import { buildStepsSection } from './steps-section.js';
import { countOf } from './words.js';

/**
 * The document model of the procedure; `year` picks the holidays and closures that are listed.
 * @example buildProcedure(policy, 2026).sections.map((section) => section.title)
 */
export function buildProcedure(policy: PolicyFile, year: number): ProcedureDocument {
  const book = createNameBook(policy);
  return {
    title: policy.policy.name,
    lead: buildLead(book),
    sections: [
      buildSitesSection(book, year),
      buildKeysSection(book),
      buildRulesSection(book),
      buildSituationsSection(book),
      buildStepsSection(book),
      buildNotificationsSection(book),
      buildConsequencesSection(book),
    ],
    footer: [
      paragraph(
        `Generated from policy "${policy.policy.name}". The key cabinets enforce exactly what this document says; a change to the policy changes both.`,
      ),
      { kind: 'signature', fields: ['Approved by (name)', 'Date', 'Signature'] },
    ],
  };
}

function buildLead(book: NameBook): Block[] {
  const header = book.policy.policy;
  const owner = book.person(header.owner);
  const contact = [owner?.email, owner?.phone].filter((value) => value !== undefined);
  const blocks: Block[] = [
    paragraph([
      'Owner: ',
      { strong: owner?.name ?? header.owner },
      ` (${header.owner})${contact.length > 0 ? `, ${contact.join(', ')}` : ''}.`,
    ]),
  ];
  const reviews: string[] = [];
  reviews.push(
    header.reviewEveryDays !== undefined
      ? `This procedure is reviewed every ${countOf(header.reviewEveryDays, 'day')}.`
      : 'No regular review of this procedure is set.',
  );
  if (header.accessReviewEveryDays !== undefined)
    reviews.push(
      `Managers confirm or revoke every person's key permissions every ${countOf(header.accessReviewEveryDays, 'day')} (access review).`,
    );
  blocks.push(paragraph(reviews.join(' ')));
  return blocks;
}

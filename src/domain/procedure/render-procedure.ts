/**
 * The written after-hours procedure, generated from the policy file that the system enforces, so the
 * procedure on the wall and the cabinets' behaviour cannot drift apart. Pure: the caller reads and writes files.
 */
import type { PolicyFile } from '../policy/policy-file.js';
import { buildProcedure } from './build-procedure.js';
import { writeHtml } from './write-html.js';
import { writeMarkdown } from './write-markdown.js';

export interface RenderProcedureOptions {
  format: 'md' | 'html';
  /** The year whose holidays and closures are listed; the current UTC year when omitted. */
  year?: number;
}

/**
 * Renders a validated policy as a printable procedure in Markdown or HTML.
 * @example renderProcedure(parsePolicyText(text).policy!, { format: 'html', year: 2026 })
 */
export function renderProcedure(policy: PolicyFile, options: RenderProcedureOptions): string {
  // The only read of the clock, and only when the caller gives no year; tests and the CLI can pin one.
  const year = options.year ?? new Date().getUTCFullYear();
  const document = buildProcedure(policy, year);
  return options.format === 'html' ? writeHtml(document) : writeMarkdown(document);
}

export { buildProcedure } from './build-procedure.js';
export { escapeHtml } from './write-html.js';
export { escapeMarkdown } from './write-markdown.js';

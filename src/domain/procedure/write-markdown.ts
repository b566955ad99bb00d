/** Writes the procedure document as GitHub-flavoured Markdown. Every policy string is escaped. */
import type { Block, Inline, ListItem, ProcedureDocument, Text } from './procedure-model.js';

/**
 * Escapes text so Markdown shows it literally: no emphasis, links, raw HTML or table breaks from policy
 * strings. Line breaks become spaces because a newline would end a table row or a list item.
 * @example escapeMarkdown('a | b <script>') // 'a \\| b \\<script\\>'
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/[\\`*_[\]<>|~]/g, '\\$&')
    .replace(/&(?=#?\w+;)/g, '\\&');
}

/** Escapes what would turn the start of a block into a heading, a list or a rule. */
function escapeBlockStart(markdown: string): string {
  return markdown.replace(/^(\s*)([#+=-])/, '$1\\$2').replace(/^(\s*\d+)([.)])/, '$1\\$2');
}

/** A heading's text may start with anything, but a trailing `#` would be read as a closing sequence. */
function writeHeading(level: number, title: string): string {
  return `${'#'.repeat(level)} ${escapeMarkdown(title).replace(/#$/, '\\#')}`;
}

function writeInline(run: Inline): string {
  return typeof run === 'string' ? escapeMarkdown(run) : `**${escapeMarkdown(run.strong)}**`;
}

function writeText(text: Text): string {
  return escapeBlockStart(typeof text === 'string' ? escapeMarkdown(text) : text.map(writeInline).join(''));
}

function writeRow(cells: readonly string[]): string {
  return `| ${cells.map((cell) => escapeMarkdown(cell) || ' ').join(' | ')} |`;
}

function writeTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [writeRow(head), `|${head.map(() => ' --- |').join('')}`, ...rows.map(writeRow)].join('\n');
}

function writeList(items: readonly ListItem[], ordered: boolean): string {
  return items
    .map((item, index) => {
      const marker = ordered ? `${index + 1}. ` : '- ';
      // Sub-items must start where the item's text starts, or Markdown reads them as a new list.
      const indent = ' '.repeat(marker.length);
      const sub = (item.items ?? []).map((text) => `\n${indent}- ${writeText(text)}`).join('');
      return `${marker}${writeText(item.text)}${sub}`;
    })
    .join('\n');
}

function writeBlock(block: Block): string {
  switch (block.kind) {
    case 'paragraph':
      return writeText(block.text);
    case 'list':
      return writeList(block.items, block.ordered);
    case 'table':
      return writeTable(block.head, block.rows);
    case 'part':
      return [writeHeading(3, block.title), ...block.blocks.map(writeBlock)].join('\n\n');
    case 'signature':
      return writeTable(block.fields, [block.fields.map(() => '')]);
  }
}

/**
 * The whole document as Markdown, ending in a newline.
 * @example writeMarkdown({ title: 'T', lead: [], sections: [], footer: [] }) // '# T\n'
 */
export function writeMarkdown(document: ProcedureDocument): string {
  const parts = [writeHeading(1, document.title), ...document.lead.map(writeBlock)];
  for (const section of document.sections) {
    parts.push(writeHeading(2, section.title), ...section.blocks.map(writeBlock));
  }
  if (document.footer.length > 0) parts.push('---', ...document.footer.map(writeBlock));
  return `${parts.join('\n\n')}\n`;
}

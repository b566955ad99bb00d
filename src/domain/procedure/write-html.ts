/** Writes the procedure document as one standalone, printable HTML page. Every policy string is escaped. */
import { PROCEDURE_CSS } from './html-style.js';
import type { Block, Inline, ListItem, ProcedureDocument, Text } from './procedure-model.js';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML element content and quoted attribute values.
 * @example escapeHtml('<script>alert("x")</script>') // '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

function writeInline(run: Inline): string {
  return typeof run === 'string' ? escapeHtml(run) : `<strong>${escapeHtml(run.strong)}</strong>`;
}

function writeText(text: Text): string {
  return typeof text === 'string' ? escapeHtml(text) : text.map(writeInline).join('');
}

function writeListItem(item: ListItem): string {
  const sub = item.items?.length
    ? `<ul>${item.items.map((text) => `<li>${writeText(text)}</li>`).join('')}</ul>`
    : '';
  return `<li>${writeText(item.text)}${sub}</li>`;
}

function writeTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  className?: string,
): string {
  const headRow = `<tr>${head.map((cell) => `<th scope="col">${escapeHtml(cell)}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`);
  return `<table${className ? ` class="${className}"` : ''}><thead>${headRow}</thead><tbody>${body.join('\n')}</tbody></table>`;
}

function writeBlock(block: Block): string {
  switch (block.kind) {
    case 'paragraph':
      return `<p>${writeText(block.text)}</p>`;
    case 'list': {
      const tag = block.ordered ? 'ol' : 'ul';
      return `<${tag}>\n${block.items.map(writeListItem).join('\n')}\n</${tag}>`;
    }
    case 'table':
      return writeTable(block.head, block.rows);
    case 'part':
      return `<section class="part">\n<h3>${escapeHtml(block.title)}</h3>\n${block.blocks.map(writeBlock).join('\n')}\n</section>`;
    case 'signature':
      return writeTable(block.fields, [block.fields.map(() => '')], 'signature');
  }
}

/**
 * The whole document as a standalone HTML page: embedded CSS, no script, no external resource.
 * @example writeHtml({ title: 'T', lead: [], sections: [], footer: [] }).startsWith('<!doctype html>') // true
 */
export function writeHtml(document: ProcedureDocument): string {
  const sections = document.sections.map(
    (section) =>
      `<section>\n<h2>${escapeHtml(section.title)}</h2>\n${section.blocks.map(writeBlock).join('\n')}\n</section>`,
  );
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(document.title)}</title>`,
    `<style>${PROCEDURE_CSS}</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<header>\n<h1>${escapeHtml(document.title)}</h1>\n${document.lead.map(writeBlock).join('\n')}\n</header>`,
    ...sections,
    `<footer>\n${document.footer.map(writeBlock).join('\n')}\n</footer>`,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

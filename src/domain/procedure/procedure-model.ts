/**
 * The written procedure as a format-neutral document: the builders decide what is said, the writers only
 * how it looks, so the Markdown and HTML versions cannot say different things.
 */

/** A run of text; `strong` marks the few words a reader scanning the wall copy must not miss. */
export type Inline = string | { strong: string };
export type Text = string | readonly Inline[];

export interface ListItem {
  text: Text;
  /** A short nested list, one level deep: deeper nesting is hard to follow on paper. */
  items?: readonly Text[];
}

export type Block =
  | { kind: 'paragraph'; text: Text }
  | { kind: 'list'; ordered: boolean; items: readonly ListItem[] }
  | { kind: 'table'; head: readonly string[]; rows: readonly (readonly string[])[] }
  /** A titled part of a section (one site, one rule) that should stay on one printed page. */
  | { kind: 'part'; title: string; blocks: readonly Block[] }
  /** Empty boxes to fill in by hand. */
  | { kind: 'signature'; fields: readonly string[] };

export interface Section {
  title: string;
  blocks: readonly Block[];
}

export interface ProcedureDocument {
  title: string;
  lead: readonly Block[];
  sections: readonly Section[];
  footer: readonly Block[];
}

/**
 * A paragraph block.
 * @example paragraph(['Owner: ', { strong: 'Grace Okafor' }])
 */
export function paragraph(text: Text): Block {
  return { kind: 'paragraph', text };
}

/**
 * A bulleted or numbered list; plain texts become items without sub-items.
 * @example list(['Sign in', { text: 'Present factors', items: ['PIN', 'badge'] }], true)
 */
export function list(items: readonly (Text | ListItem)[], ordered = false): Block {
  return { kind: 'list', ordered, items: items.map(toListItem) };
}

function toListItem(item: Text | ListItem): ListItem {
  return typeof item === 'string' || Array.isArray(item) ? { text: item as Text } : (item as ListItem);
}

/**
 * A table with a header row.
 * @example table(['Day', 'Business hours'], [['Monday', '07:00 – 18:00']])
 */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): Block {
  return { kind: 'table', head, rows };
}

/**
 * A titled part of a section.
 * @example part('Central Station', [paragraph('Time zone: America/Chicago.')])
 */
export function part(title: string, blocks: readonly Block[]): Block {
  return { kind: 'part', title, blocks };
}

/**
 * The plain words of a text, without emphasis.
 * @example plainText(['Owner: ', { strong: 'Grace Okafor' }]) // 'Owner: Grace Okafor'
 */
export function plainText(text: Text): string {
  return typeof text === 'string'
    ? text
    : text.map((run) => (typeof run === 'string' ? run : run.strong)).join('');
}

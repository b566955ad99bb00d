/**
 * Badge (card) numbers as a keyboard-wedge RFID reader types them. Readers differ in case (hex `0a1b` or
 * `0A1B`), in separators (`12-34-56`, `12:34:56`, `12 34 56`, `1234.5678`) and in padding (`0001234567`),
 * so a number is normalised before it is stored or looked up: trimmed (the Enter a reader sends), upper
 * case, separators dropped, leading zeros stripped. Pure, no I/O.
 *
 * Dropping separators merges readings that differ only in them: a reader that types facility code and card
 * number as `123:45678` gives the same badge as `12:345678`. Readers of one installation type one format,
 * so this matters only when two formats are mixed; configure the readers alike.
 */

/** Longest normalised number accepted: far beyond any card format, short enough to index. */
export const MAX_BADGE_LENGTH = 64;

export type BadgeNumberResult = { ok: true; number: string } | { ok: false; reason: string };

const SEPARATORS = /[\s\-:.]/g;

/**
 * Normalises a badge number, or says why the text is not one.
 * @example normalizeBadge(' 00-0a:1b.2c\r\n') // { ok: true, number: 'A1B2C' }
 * @example normalizeBadge('12#34') // { ok: false, reason: 'a badge number has letters and digits only, not "#"' }
 */
export function normalizeBadge(text: string): BadgeNumberResult {
  const joined = text.trim().replace(SEPARATORS, '');
  if (joined === '') return { ok: false, reason: 'the badge number is empty' };
  const stray = /[^0-9A-Za-z]/.exec(joined);
  if (stray) return { ok: false, reason: `a badge number has letters and digits only, not "${stray[0]}"` };
  const number = joined.toUpperCase().replace(/^0+/, '');
  if (number === '') return { ok: false, reason: 'a badge number of zeros only is not a card' };
  if (number.length > MAX_BADGE_LENGTH) {
    return { ok: false, reason: `a badge number has at most ${MAX_BADGE_LENGTH} characters` };
  }
  return { ok: true, number };
}

/**
 * The last characters of a badge number, for messages and audit entries: enough to tell badges apart,
 * not enough to clone a card whose number is all it carries.
 * @example badgeEnding('A1B2C3D4') // '…C3D4'
 */
export function badgeEnding(number: string): string {
  return number.length <= 4 ? `…${number.slice(-2)}` : `…${number.slice(-4)}`;
}

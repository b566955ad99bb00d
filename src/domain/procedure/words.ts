/** Small helpers for writing lists and counts as plain English. */

/**
 * Joins words as a person would: "a", "a and b", "a, b and c".
 * @example listAnd(['e-mail', 'SMS']) // 'e-mail and SMS'
 */
export function listAnd(items: readonly string[]): string {
  return joinWith(items, 'and');
}

/**
 * Joins alternatives: "a", "a or b", "a, b or c".
 * @example listOr(['Sergeant', 'Watch commander']) // 'Sergeant or Watch commander'
 */
export function listOr(items: readonly string[]): string {
  return joinWith(items, 'or');
}

/**
 * Joins whole clauses, with a comma before the last one so that each clause stays apart.
 * @example listClauses(['an incident is opened', 'the supervisor is notified']) // 'an incident is opened, and the supervisor is notified'
 */
export function listClauses(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')}, and ${items[items.length - 1]}`;
}

function joinWith(items: readonly string[], word: string): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${word} ${items[items.length - 1]}`;
}

/**
 * Puts "a" or "an" before a noun phrase. Judged by the first letter only, which suits role names.
 * @example withArticle('Evidence technician') // 'an Evidence technician'
 */
export function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}

/**
 * A count with its noun in the right number.
 * @example countOf(1, 'key') // '1 key'
 */
export function countOf(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}

/**
 * Upper-cases the first letter, for sentences that start with a generated phrase.
 * @example capitalize('the supervisor is notified') // 'The supervisor is notified'
 */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

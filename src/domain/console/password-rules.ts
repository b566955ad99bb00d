/**
 * What makes a console password acceptable, after NIST SP 800-63B §5.1.1.2: at least 12 characters
 * (Unicode code points, so a passphrase in any script counts fairly), at most 256, and no composition rules
 * (no "one digit, one symbol"): length is what makes a password strong. Refused instead: passwords that
 * leaked lists hold (common-passwords.ts), keyboard walks and runs ('qwertyuiop12', '123456789012'), one
 * short piece repeated ('aaaaaaaaaaaa', 'abcabcabcabc'), breached *patterns* (a common word with digits,
 * a year or symbols around it and letters swapped: 'Password2024!', 'Summer2026!!', 'P@ssw0rd1234'), and
 * passwords containing the person's own id, name or e-mail name.
 */
import { COMMON_BASE_WORDS, COMMON_LONG_PASSWORDS } from './common-passwords.js';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

export interface PasswordOwner {
  personId: string;
  name?: string | null;
  email?: string | null;
}

/** Keyboard rows and runs people walk along; each is also searched reversed and wrapped around. */
const SEQUENCES = [
  '1234567890',
  'qwertyuiop',
  'asdfghjkl',
  'zxcvbnm',
  'qwertzuiop',
  'azertyuiop',
  'abcdefghijklmnopqrstuvwxyz',
  '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p',
  'qazwsxedcrfvtgbyhnujmikolp',
  '1q2w3e4r5t6y7u8i9o0p',
  '!@#$%^&*()',
].flatMap((run) => {
  const reversed = [...run].reverse().join('');
  return [run + run, reversed + reversed];
});

/** Letter swaps people make to "strengthen" a word; '1' is tried as both i and l. */
const SWAPS: Record<string, string> = {
  '0': 'o',
  '3': 'e',
  '4': 'a',
  '@': 'a',
  '5': 's',
  $: 's',
  '7': 't',
  '+': 't',
  '!': 'i',
  '8': 'b',
  '9': 'g',
};

function undoSwaps(text: string): string[] {
  const swapped = [...text].map((char) => SWAPS[char] ?? char).join('');
  return swapped.includes('1') ? [swapped.replaceAll('1', 'i'), swapped.replaceAll('1', 'l')] : [swapped];
}

function isInSequence(piece: string): boolean {
  return SEQUENCES.some((sequence) => sequence.includes(piece));
}

/** Whether `text` is at most 3 pieces (of 2 or more characters) each lying along a keyboard row or run. */
function isWalk(text: string): boolean {
  const best: number[] = new Array(text.length + 1).fill(Number.POSITIVE_INFINITY);
  best[text.length] = 0;
  for (let start = text.length - 2; start >= 0; start--) {
    for (let end = start + 2; end <= text.length; end++) {
      const rest = best[end] as number;
      if (rest + 1 < (best[start] as number) && isInSequence(text.slice(start, end))) best[start] = rest + 1;
    }
  }
  return (best[0] as number) <= 3;
}

/** Whether `text` is one shorter piece repeated ('aaaa', 'abcabc', 'passwordpassword'). */
function isRepeat(text: string): boolean {
  const chars = [...text];
  for (let size = 1; size <= chars.length / 2; size++) {
    if (chars.length % size !== 0) continue;
    const unit = chars.slice(0, size).join('');
    if (unit.repeat(chars.length / size) === text) return true;
  }
  return false;
}

/** The letters left when the digits, symbols and spaces around a word are taken away. */
function coreOf(text: string): string {
  return text.replace(/^[^\p{L}]+/u, '').replace(/[^\p{L}]+$/u, '');
}

function personalTokens(owner: PasswordOwner): string[] {
  const tokens = new Set<string>();
  const add = (text: string | null | undefined, whole: boolean) => {
    if (!text) return;
    const lower = text.normalize('NFKC').toLowerCase();
    if (whole && lower.length >= 3) tokens.add(lower);
    for (const part of lower.split(/[^\p{L}\p{N}]+/u)) if ([...part].length >= 4) tokens.add(part);
  };
  add(owner.personId, true);
  add(owner.name, false);
  const local = owner.email?.split('@')[0];
  add(local, true);
  return [...tokens];
}

/**
 * Why a password is refused, or null when it is acceptable. Never echoes the password.
 * @example checkPassword('Password2024!', { personId: 'p-ruiz' }) // 'a common word with digits or symbols around it is among the first guesses'
 * @example checkPassword('violet kettle under 9 ferns', { personId: 'p-ruiz' }) // null
 */
export function checkPassword(password: string, owner: PasswordOwner): string | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) {
    return `a password has at least ${MIN_PASSWORD_LENGTH} characters (this one has ${length}); a few words make a good one`;
  }
  if (length > MAX_PASSWORD_LENGTH) return `a password has at most ${MAX_PASSWORD_LENGTH} characters`;
  const text = password.normalize('NFKC').toLowerCase();
  const compact = text.replace(/\s+/g, '');
  if (COMMON_LONG_PASSWORDS.has(text) || COMMON_LONG_PASSWORDS.has(compact)) {
    return 'this password is in lists of leaked passwords';
  }
  if (isRepeat(compact)) return 'one character or short piece repeated is among the first guesses';
  const symbolsTrimmed = compact.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
  if (isWalk(compact) || isWalk(symbolsTrimmed)) {
    return 'a keyboard walk or a run of letters or digits is among the first guesses';
  }
  // Digits and symbols around the word go first; swaps are undone only inside what is left.
  const around = compact.replace(/^[^\p{L}]+/u, '').replace(/[^\p{L}]+$/u, '');
  for (const variant of [around, ...undoSwaps(around)]) {
    const core = coreOf(variant);
    if (core === '') return 'a password of only digits and symbols in a pattern is among the first guesses';
    if (COMMON_BASE_WORDS.has(core) || isRepeat(core) || isWalk(core) || isRepeatedWord(core)) {
      return 'a common word with digits or symbols around it is among the first guesses';
    }
  }
  for (const token of personalTokens(owner)) {
    if (text.includes(token) || compact.includes(token)) {
      return 'a password must not contain your id, name or e-mail address';
    }
  }
  return null;
}

/** A common word written twice or more ('summersummer'). */
function isRepeatedWord(core: string): boolean {
  for (const word of COMMON_BASE_WORDS) {
    if (
      word.length >= 3 &&
      core.length % word.length === 0 &&
      word.repeat(core.length / word.length) === core
    )
      return true;
  }
  return false;
}

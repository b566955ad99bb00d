/**
 * Which PINs a person may choose. A PIN is 6 to 12 digits; a chosen one must not be easy to guess: not one
 * digit repeated (111111), not a short pattern repeated (121212, 123123, 1212121), not a run of consecutive
 * digits up or down, wrapping past 9 (123456, 654321, 890123), and not one of the 100 most common PINs.
 * Dates (DDMMYY and the like) are not refused as a class: only the few in the list are. Pure, no I/O.
 */

export const MIN_PIN_LENGTH = 6;
/** Keypads and people both struggle beyond this; it also bounds the work of hashing. */
export const MAX_PIN_LENGTH = 12;

/**
 * The 100 most common PINs of six digits or more, as people choose them. Compiled by hand from published
 * analyses, not copied from one ranking (the studies disagree on the order, and the order does not matter
 * to a blocklist):
 * - DataGenetics' analysis of 3.4 million four-digit PINs (Berry, 2012), extended the way people extend a
 *   four-digit habit to six digits (1234 -> 123456, 1212 -> 121212, 6969 -> 696969, 1122 -> 112233, 2000 ->
 *   200000);
 * - the most frequent six-digit PINs of leaked password sets (RockYou) and user studies, as reported in
 *   Markert et al., "This PIN Can Be Easily Guessed" (IEEE S&P 2020), and Wang et al., "Understanding
 *   human-chosen PINs" (2017): 123456, 654321, 111111, 000000, 123123, 666666, 121212, 112233, 789456,
 *   159753, 123321, 147258, 520520, ...;
 * - keypad shapes (columns, diagonals, crosses: 147258, 159357, 852456, 741852);
 * - Chinese users' favourites in the CSDN leak (520520, 5201314, 1314520, 147258369, 789456123);
 * - famous numbers (112358, 314159, 31415926) and round numbers (100000, 102030, 123000).
 * Many are also refused by the repeat and sequence rules; they stay here so the list stands on its own.
 */
export const COMMON_PINS: readonly string[] = Object.freeze([
  // Four-digit favourites grown to six, and the six-digit top of the leaks.
  '123456',
  '111111',
  '000000',
  '121212',
  '123123',
  '654321',
  '666666',
  '112233',
  '696969',
  '123321',
  '159753',
  '101010',
  '777777',
  '555555',
  '999999',
  '888888',
  '222222',
  '333333',
  '444444',
  '200000',
  // Keypad shapes.
  '789456',
  '147258',
  '159357',
  '147852',
  '741852',
  '852963',
  '147369',
  '258369',
  '963852',
  '852456',
  '753951',
  '951753',
  '357951',
  '159951',
  '321654',
  '456123',
  '123654',
  '123789',
  // Runs, doubled halves and near-runs.
  '987654',
  '456789',
  '012345',
  '098765',
  '789789',
  '456456',
  '321321',
  '258258',
  '369369',
  '147147',
  '963963',
  '111222',
  '000111',
  '112211',
  '121121',
  '332211',
  '445566',
  '778899',
  '998877',
  '121314',
  '131415',
  '142536',
  '102938',
  '246810',
  '135790',
  // Alternating pairs.
  '131313',
  '232323',
  '212121',
  '141414',
  '151515',
  '161616',
  '171717',
  '181818',
  '191919',
  '202020',
  '252525',
  '010101',
  '020202',
  '080808',
  '090909',
  // Round numbers and spaced patterns.
  '100000',
  '100100',
  '200200',
  '110110',
  '101101',
  '110011',
  '123000',
  '102030',
  '010203',
  // Words in digits, famous numbers.
  '520520',
  '5201314',
  '1314520',
  '420420',
  '007007',
  '112358',
  '314159',
  '31415926',
  // Longer favourites from the leaks.
  '11223344',
  '12344321',
  '147258369',
  '789456123',
  '123654789',
]);

const COMMON_PIN_SET: ReadonlySet<string> = new Set(COMMON_PINS);

/** True when the PIN is one of the 100 most common. */
export function isCommonPin(pin: string): boolean {
  return COMMON_PIN_SET.has(pin);
}

/**
 * The shortest period of a repeated pattern the whole PIN follows (1 for 111111, 2 for 1212121, 3 for
 * 123123), or null when no pattern of at most half its length repeats through it.
 * @example repeatedPatternPeriod('121212') // 2
 */
export function repeatedPatternPeriod(pin: string): number | null {
  for (let period = 1; period <= Math.floor(pin.length / 2); period++) {
    let repeats = true;
    for (let index = period; index < pin.length; index++) {
      if (pin[index] !== pin[index - period]) {
        repeats = false;
        break;
      }
    }
    if (repeats) return period;
  }
  return null;
}

/**
 * Whether the digits run up or down by one, wrapping past 9 to 0 (and 0 to 9).
 * @example isSequentialPin('890123') // true
 */
export function isSequentialPin(pin: string): boolean {
  if (pin.length < 2) return false;
  const step = (Number(pin[1]) - Number(pin[0]) + 10) % 10;
  if (step !== 1 && step !== 9) return false;
  for (let index = 2; index < pin.length; index++) {
    if ((Number(pin[index]) - Number(pin[index - 1]) + 10) % 10 !== step) return false;
  }
  return true;
}

/** The shape every PIN has, chosen or random: 6 to 12 digits. Returns the reason it is not, or null. */
export function checkPinFormat(pin: string): string | null {
  if (!/^[0-9]*$/.test(pin)) return 'a PIN is digits only';
  if (pin.length < MIN_PIN_LENGTH) return `a PIN has at least ${MIN_PIN_LENGTH} digits`;
  if (pin.length > MAX_PIN_LENGTH) return `a PIN has at most ${MAX_PIN_LENGTH} digits`;
  return null;
}

/**
 * Why a PIN a person chose is refused, or null when it is acceptable.
 * @example checkChosenPin('123456') // 'a PIN of consecutive digits (such as 123456 or 654321) is easily guessed'
 * @example checkChosenPin('583016') // null
 */
export function checkChosenPin(pin: string): string | null {
  const format = checkPinFormat(pin);
  if (format) return format;
  const period = repeatedPatternPeriod(pin);
  if (period === 1) return 'a PIN of one digit repeated is easily guessed';
  if (period !== null)
    return 'a PIN that repeats a short pattern (such as 121212 or 123123) is easily guessed';
  if (isSequentialPin(pin)) return 'a PIN of consecutive digits (such as 123456 or 654321) is easily guessed';
  if (isCommonPin(pin)) return 'this PIN is one of the 100 most commonly chosen';
  return null;
}

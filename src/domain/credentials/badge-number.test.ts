import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { badgeEnding, MAX_BADGE_LENGTH, normalizeBadge } from './badge-number.js';

describe('normalizeBadge', () => {
  it.each([
    ['12345678', '12345678'],
    ['0012345678', '12345678'],
    ['12345678\r\n', '12345678'],
    ['  12345678\t', '12345678'],
    ['0a1b2c3d', 'A1B2C3D'],
    ['0A:1B:2C:3D', 'A1B2C3D'],
    ['0a-1b-2c-3d', 'A1B2C3D'],
    ['0a 1b 2c 3d', 'A1B2C3D'],
    ['0A.1B.2C.3D', 'A1B2C3D'],
    ['00-00-12', '12'],
    ['123:45678', '12345678'],
    ['04:A2:24:6B:7C:5E:80', '4A2246B7C5E80'],
    ['1000', '1000'],
    ['0', null],
    ['a'.repeat(MAX_BADGE_LENGTH), 'A'.repeat(MAX_BADGE_LENGTH)],
  ])('reads %j as %j', (text, number) => {
    const result = normalizeBadge(text);
    if (number === null) expect(result.ok).toBe(false);
    else expect(result).toEqual({ ok: true, number });
  });

  it.each([
    ['', 'the badge number is empty'],
    ['   \r\n', 'the badge number is empty'],
    ['-:.', 'the badge number is empty'],
    ['0000', 'a badge number of zeros only is not a card'],
    ['00:00', 'a badge number of zeros only is not a card'],
    ['12#34', 'a badge number has letters and digits only, not "#"'],
    [';1234567890?', 'a badge number has letters and digits only, not ";"'],
    ['12_34', 'a badge number has letters and digits only, not "_"'],
    ['straße', 'a badge number has letters and digits only, not "ß"'],
    ['１２３', 'a badge number has letters and digits only, not "１"'],
    ['1'.repeat(MAX_BADGE_LENGTH + 1), `a badge number has at most ${MAX_BADGE_LENGTH} characters`],
  ])('refuses %j: %s', (text, reason) => {
    expect(normalizeBadge(text)).toEqual({ ok: false, reason });
  });

  const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 1, maxLength: 20 });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        const once = normalizeBadge(text);
        if (once.ok) expect(normalizeBadge(once.number)).toEqual(once);
      }),
    );
  });

  it('gives the same number whatever the case, separators, padding and surrounding space', () => {
    const separator = fc.constantFrom('', ' ', '-', ':', '.');
    fc.assert(
      fc.property(
        hex,
        fc.array(separator, { minLength: 20, maxLength: 20 }),
        fc.nat({ max: 4 }),
        fc.boolean(),
        (digits, separators, zeros, upper) => {
          fc.pre(/[1-9a-f]/i.test(digits));
          const reference = normalizeBadge(digits);
          const typed = [...(upper ? digits.toUpperCase() : digits.toLowerCase())]
            .map((char, index) => `${separators[index]}${char}`)
            .join('');
          expect(normalizeBadge(` ${'0'.repeat(zeros)}${typed}\r\n`)).toEqual(reference);
        },
      ),
    );
  });

  it('yields upper-case letters and digits without a leading zero', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        const result = normalizeBadge(text);
        if (result.ok) expect(result.number).toMatch(/^[1-9A-Z][0-9A-Z]*$/);
      }),
    );
  });
});

describe('badgeEnding', () => {
  it.each([
    ['A1B2C3D4', '…C3D4'],
    ['12345', '…2345'],
    ['1234', '…34'],
    ['7', '…7'],
  ])('shows %j as %j', (number, ending) => {
    expect(badgeEnding(number)).toBe(ending);
  });
});

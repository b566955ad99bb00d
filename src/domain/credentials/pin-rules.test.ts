import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COMMON_PINS,
  checkChosenPin,
  checkPinFormat,
  isSequentialPin,
  MAX_PIN_LENGTH,
  MIN_PIN_LENGTH,
  repeatedPatternPeriod,
} from './pin-rules.js';

const REPEATED_DIGIT = 'a PIN of one digit repeated is easily guessed';
const PATTERN = 'a PIN that repeats a short pattern (such as 121212 or 123123) is easily guessed';
const SEQUENCE = 'a PIN of consecutive digits (such as 123456 or 654321) is easily guessed';
const COMMON = 'this PIN is one of the 100 most commonly chosen';

describe('checkChosenPin', () => {
  it.each([
    ['', 'a PIN has at least 6 digits'],
    ['1234', 'a PIN has at least 6 digits'],
    ['58301', 'a PIN has at least 6 digits'],
    ['5830162947351', 'a PIN has at most 12 digits'],
    ['58a016', 'a PIN is digits only'],
    ['583 016', 'a PIN is digits only'],
    ['-58301', 'a PIN is digits only'],
    ['５８３０１６', 'a PIN is digits only'],
    ['000000', REPEATED_DIGIT],
    ['777777', REPEATED_DIGIT],
    ['99999999', REPEATED_DIGIT],
    ['121212', PATTERN],
    ['123123', PATTERN],
    ['112112', PATTERN],
    ['1212121', PATTERN],
    ['12341234', PATTERN],
    ['909090', PATTERN],
    ['123456', SEQUENCE],
    ['234567', SEQUENCE],
    ['654321', SEQUENCE],
    ['890123', SEQUENCE],
    ['789012', SEQUENCE],
    ['901234', SEQUENCE],
    ['210987', SEQUENCE],
    ['098765', SEQUENCE],
    ['1234567890', SEQUENCE],
    ['123456789012', SEQUENCE],
    ['696969', PATTERN],
    ['112233', COMMON],
    ['159753', COMMON],
    ['123321', COMMON],
    ['520520', PATTERN],
    ['5201314', COMMON],
    ['147258369', COMMON],
    ['314159', COMMON],
    ['200000', COMMON],
    ['102030', COMMON],
  ])('refuses %j: %s', (pin, reason) => {
    expect(checkChosenPin(pin)).toBe(reason);
  });

  it.each([
    '583016',
    '294751',
    '103857',
    '846302',
    // Dates are not refused as a class: a birthday is a weak choice, but not one of the list.
    '170389',
    '031290',
    // Near-misses of the rules: one digit off a run, a pattern, a repeat.
    '123457',
    '121213',
    '111112',
    '890123456781',
  ])('accepts %j', (pin) => {
    expect(checkChosenPin(pin)).toBeNull();
  });

  it('refuses every PIN of the common list', () => {
    for (const pin of COMMON_PINS) expect(checkChosenPin(pin), pin).not.toBeNull();
  });

  it('accepts only what has the shape of a PIN', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 16 }), (text) => {
        if (checkChosenPin(text) === null) {
          expect(text).toMatch(/^[0-9]{6,12}$/);
        }
      }),
    );
  });

  it('refuses every one-digit repeat and every run, up or down, of any allowed length', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: MIN_PIN_LENGTH, max: MAX_PIN_LENGTH }),
        fc.constantFrom(0, 1, 9),
        (start, length, step) => {
          const pin = Array.from({ length }, (_, index) => String((start + index * step) % 10)).join('');
          expect(checkChosenPin(pin)).not.toBeNull();
        },
      ),
    );
  });

  it('refuses every short pattern repeated through the PIN', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 6 }),
        fc.integer({ min: MIN_PIN_LENGTH, max: MAX_PIN_LENGTH }),
        (pattern, length) => {
          fc.pre(pattern.length * 2 <= length);
          const pin = pattern.repeat(Math.ceil(length / pattern.length)).slice(0, length);
          expect(checkChosenPin(pin)).not.toBeNull();
        },
      ),
    );
  });
});

describe('the common PIN list', () => {
  it('holds 100 distinct PINs of 6 digits or more', () => {
    expect(COMMON_PINS).toHaveLength(100);
    expect(new Set(COMMON_PINS).size).toBe(100);
    for (const pin of COMMON_PINS) expect(checkPinFormat(pin), pin).toBeNull();
  });
});

describe('repeatedPatternPeriod', () => {
  it.each([
    ['111111', 1],
    ['121212', 2],
    ['1212121', 2],
    ['123123', 3],
    ['12341234', 4],
    ['123456', null],
    ['121221', null],
    ['1231231', 3],
  ])('%j repeats with period %j', (pin, period) => {
    expect(repeatedPatternPeriod(pin)).toBe(period);
  });
});

describe('isSequentialPin', () => {
  it.each([
    ['123456', true],
    ['890123', true],
    ['543210', true],
    ['109876', true],
    ['123465', false],
    ['135791', false],
    ['1', false],
  ])('%j is sequential: %j', (pin, sequential) => {
    expect(isSequentialPin(pin)).toBe(sequential);
  });
});

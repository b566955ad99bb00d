import { describe, expect, it } from 'vitest';
import { checkPassword, MAX_PASSWORD_LENGTH } from './password-rules.js';

const owner = { personId: 'p-ruiz', name: 'Dana Ruiz', email: 'd.ruiz@riverside.example' };

describe('checkPassword', () => {
  it.each([
    ['short', 'violet kettle'.slice(0, 11), /at least 12/],
    ['eleven code points though more UTF-16 units', '😀😀😀😀😀😀😀😀😀😀😀', /at least 12/],
    ['too long', 'x'.repeat(MAX_PASSWORD_LENGTH + 1), /at most 256/],
    ['keyboard row plus digits', 'qwertyuiop12', /leaked|keyboard/],
    ['digits run', '123456789012', /leaked|keyboard/],
    ['one letter repeated', 'aaaaaaaaaaaa', /repeated/],
    ['short piece repeated', 'abcabcabcabc', /repeated|keyboard/],
    ['digit pair repeated', '121212121212', /repeated/],
    ['word repeated', 'passwordpassword', /leaked|repeated/],
    ['word + year + symbol', 'Password2024!', /common word/],
    ['season + year', 'Summer2026!!', /common word/],
    ['swapped letters', 'P@ssw0rd1234', /common word/],
    ['swapped with 1 as i', 'L3tm31n12345', /common word/],
    ['digits before the word', '2024!!Welcome', /common word/],
    ['keyboard walk with digits around', '1234qwerty1234', /keyboard|common word/],
    ['diagonal walk', '1qaz2wsx3edc', /leaked|keyboard/],
    ['reversed row', 'poiuytrewq12', /keyboard/],
    ['famous passphrase', 'correct horse battery staple', /leaked/],
    ['only digits and symbols', '2024!!2025!!', /digits and symbols|repeated/],
    ['the product name', 'Keywarden2026', /common word/],
    ['own id', 'p-ruiz-keys-forever', /id, name/],
    ['own surname', 'mister ruiz likes tea', /id, name/],
    ['own e-mail name', 'd.ruiz rides a bike', /id, name/],
  ])('refuses %s', (_name, password, reason) => {
    expect(checkPassword(password, owner)).toMatch(reason);
  });

  it.each([
    ['a passphrase', 'violet kettle under 9 ferns'],
    ['lower-case words without spaces', 'orchardlanternpebble'],
    ['twelve characters exactly, no digits or symbols required', 'mqvtzrplhwke'],
    ['a passphrase in another script', 'γάτα τρέχει στον κήπο'],
    ['random from a manager', 'T7#kq9!vLm2@xR'],
    ['a common word inside a longer phrase', 'my summer by the blue lake'],
    ['the longest allowed', `${'x7'.repeat(64)}${'q'.repeat(MAX_PASSWORD_LENGTH - 128 - 1)}z`],
  ])('accepts %s', (_name, password) => {
    expect(checkPassword(password, owner)).toBeNull();
  });
});

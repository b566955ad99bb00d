/** The published test vectors of RFC 4226 (HOTP) and RFC 6238 (TOTP), shared by the domain and service tests. */
import type { TotpAlgorithm } from './totp.js';

const ascii = (text: string) => new TextEncoder().encode(text);

/** RFC 6238 Appendix B: each algorithm has its own seed, the hash's output size (20, 32 and 64 bytes). */
export const RFC6238_SEEDS: Record<TotpAlgorithm, Uint8Array> = {
  SHA1: ascii('12345678901234567890'),
  SHA256: ascii('12345678901234567890123456789012'),
  SHA512: ascii('1234567890123456789012345678901234567890123456789012345678901234'),
};

/** RFC 6238 Appendix B, every row: time in seconds, step (hex in the RFC), code, algorithm. */
export const RFC6238_VECTORS: [number, number, string, TotpAlgorithm][] = [
  [59, 0x1, '94287082', 'SHA1'],
  [59, 0x1, '46119246', 'SHA256'],
  [59, 0x1, '90693936', 'SHA512'],
  [1111111109, 0x23523ec, '07081804', 'SHA1'],
  [1111111109, 0x23523ec, '68084774', 'SHA256'],
  [1111111109, 0x23523ec, '25091201', 'SHA512'],
  [1111111111, 0x23523ed, '14050471', 'SHA1'],
  [1111111111, 0x23523ed, '67062674', 'SHA256'],
  [1111111111, 0x23523ed, '99943326', 'SHA512'],
  [1234567890, 0x273ef07, '89005924', 'SHA1'],
  [1234567890, 0x273ef07, '91819424', 'SHA256'],
  [1234567890, 0x273ef07, '93441116', 'SHA512'],
  [2000000000, 0x3f940aa, '69279037', 'SHA1'],
  [2000000000, 0x3f940aa, '90698825', 'SHA256'],
  [2000000000, 0x3f940aa, '38618901', 'SHA512'],
  [20000000000, 0x27bc86aa, '65353130', 'SHA1'],
  [20000000000, 0x27bc86aa, '77737706', 'SHA256'],
  [20000000000, 0x27bc86aa, '47863826', 'SHA512'],
];

/** RFC 4226 Appendix D, every row: counter, truncated value (decimal), 6-digit HOTP. */
export const RFC4226_VECTORS: [number, number, string][] = [
  [0, 1284755224, '755224'],
  [1, 1094287082, '287082'],
  [2, 137359152, '359152'],
  [3, 1726969429, '969429'],
  [4, 1640338314, '338314'],
  [5, 868254676, '254676'],
  [6, 1918287922, '287922'],
  [7, 82162583, '162583'],
  [8, 673399871, '399871'],
  [9, 645520489, '520489'],
];

/** Identifiers for new rows: UUID version 7, time-ordered so that new rows land at the end of an index. */
import { randomBytes } from 'node:crypto';

/**
 * A new UUIDv7 (RFC 9562).
 * @example newId() // '019cc0a3-5b2e-7c1d-8f3a-2b4c6d8e0f12'
 */
export function newId(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

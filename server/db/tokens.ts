// Agent tokens: 256 random bits, shown once, stored as a SHA-256 hash.
// A fast hash is right here (unlike passwords): the token is high-entropy.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Constant-time comparison, for the admin token. */
export function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(hashToken(given));
  const b = Buffer.from(hashToken(expected));
  return timingSafeEqual(a, b);
}

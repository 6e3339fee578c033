// Values crossing between the explorer queries and the index: checks of query arguments, and hashes as hex strings vs BLOB columns.

import { InputError } from '../core/errors.ts';

const HASH_RE = /^[0-9a-fA-F]{64}$/;
const MAX_LIMIT = 1000;

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function blob(h: string): Buffer {
  return Buffer.from(h, 'hex');
}

export function checkHash(value: unknown, what: string): string {
  if (typeof value !== 'string' || !HASH_RE.test(value)) {
    throw new InputError(`bad-${what}`, `${what}: expected 64 hex characters, got ${JSON.stringify(value)}`);
  }
  return value.toLowerCase();
}

export function checkLimit(limit: unknown, fallback: number): number {
  const n = limit ?? fallback;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw new InputError('bad-limit', `limit: expected an integer in 1..${MAX_LIMIT}, got ${String(limit)}`);
  return n;
}

export function checkHeight(h: unknown, what: string): number {
  if (typeof h !== 'number' || !Number.isSafeInteger(h) || h < 0) throw new InputError('bad-height', `${what}: expected a non-negative integer, got ${String(h)}`);
  return h;
}

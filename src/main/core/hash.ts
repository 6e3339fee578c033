// Hash functions of the protocol: SHA-256d (txid, block hash, merkle), HASH160, BIP-340 tagged hashes.

import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes, type Bytes } from './bytes.ts';

export { sha256 };

export function sha256d(data: Bytes): Bytes {
  return sha256(sha256(data));
}

export function hash160(data: Bytes): Bytes {
  return ripemd160(sha256(data));
}

const TAG_PREFIXES = new Map<string, Bytes>();

/** BIP-340 tagged hash: SHA256(SHA256(tag) || SHA256(tag) || data...). */
export function taggedHash(tag: string, ...data: Bytes[]): Bytes {
  let prefix = TAG_PREFIXES.get(tag);
  if (!prefix) {
    const t = sha256(utf8ToBytes(tag));
    prefix = new Uint8Array(64);
    prefix.set(t, 0);
    prefix.set(t, 32);
    TAG_PREFIXES.set(tag, prefix);
  }
  const h = sha256.create().update(prefix);
  for (const d of data) h.update(d);
  return h.digest();
}

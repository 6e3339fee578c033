// Schnorr (BIP-340) signing and verification behind one interface, with a cache of verified signatures.

import * as secp from '@noble/secp256k1';
import { hmac } from '@noble/hashes/hmac.js';
import { concatBytes, type Bytes } from './bytes.ts';
import { sha256 } from './hash.ts';

// @noble/secp256k1 3.x needs the hash functions for its synchronous API.
secp.hashes.sha256 = sha256;
secp.hashes.hmacSha256 = (key: Bytes, msg: Bytes) => hmac(sha256, key, msg);

/** A BIP-340 implementation. All backends must give the same verdicts and the same signatures. */
export interface SchnorrBackend {
  readonly name: string;
  verify(signature: Bytes, message: Bytes, publicKey: Bytes): boolean;
  /** Deterministic for a given auxRand (BIP-340 default signing). */
  sign(message: Bytes, secretKey: Bytes, auxRand: Bytes): Bytes;
}

/** The reference implementation: @noble/secp256k1 (audited, pure JS). */
export const nobleSchnorr: SchnorrBackend = {
  name: '@noble/secp256k1',
  verify: (sig, msg, pub) => {
    try {
      return secp.schnorr.verify(sig, msg, pub);
    } catch {
      return false;
    }
  },
  sign: (msg, key, aux) => secp.schnorr.sign(msg, key, aux),
};

/**
 * Verifies signatures through a backend and remembers the valid ones. A verdict is a pure function of
 * (signature, message, key), so one checker can be shared by every node in the process: a transaction
 * verified on mempool entry is not verified again when its block connects.
 */
export class SignatureChecker {
  readonly backend: SchnorrBackend;
  private readonly maxEntries: number;
  private valid = new Set<string>();
  /** Wtxids whose every input verified (as Bitcoin Core's script execution cache). */
  private validScripts = new Set<string>();
  hits = 0;
  misses = 0;

  constructor(backend: SchnorrBackend = nobleSchnorr, maxEntries = 200_000) {
    this.backend = backend;
    this.maxEntries = maxEntries;
  }

  verify(signature: Bytes, message: Bytes, publicKey: Bytes): boolean {
    const key = cacheKey(signature, message, publicKey);
    if (this.valid.has(key)) {
      this.hits++;
      return true;
    }
    this.misses++;
    if (!this.backend.verify(signature, message, publicKey)) return false;
    if (this.valid.size >= this.maxEntries) this.evictOldest();
    this.valid.add(key);
    return true;
  }

  /** Whether this exact signature was verified valid before (no verification now). */
  isKnownValid(signature: Bytes, message: Bytes, publicKey: Bytes): boolean {
    return this.valid.has(cacheKey(signature, message, publicKey));
  }

  /** Records a signature verified valid elsewhere (e.g. on a worker thread running the same backend). */
  addVerified(signature: Bytes, message: Bytes, publicKey: Bytes): void {
    if (this.valid.size >= this.maxEntries) this.evictOldest();
    this.valid.add(cacheKey(signature, message, publicKey));
  }

  /**
   * Whether all inputs of the transaction with this wtxid were verified before. Sound because an outpoint
   * always names the same output (the txid commits to it), so a witness valid once is valid on any branch.
   */
  hasValidScripts(wtxid: string): boolean {
    return this.validScripts.has(wtxid);
  }

  addValidScripts(wtxid: string): void {
    if (this.validScripts.size >= this.maxEntries) evictOldest(this.validScripts, this.maxEntries);
    this.validScripts.add(wtxid);
  }

  get size(): number {
    return this.valid.size;
  }

  clear(): void {
    this.valid.clear();
    this.validScripts.clear();
    this.hits = this.misses = 0;
  }

  private evictOldest(): void {
    evictOldest(this.valid, this.maxEntries);
  }
}

/** Drops the oldest quarter (a Set iterates in insertion order). */
function evictOldest(set: Set<string>, max: number): void {
  let drop = Math.ceil(max / 4);
  for (const k of set) {
    if (drop-- <= 0) break;
    set.delete(k);
  }
}

function cacheKey(signature: Bytes, message: Bytes, publicKey: Bytes): string {
  const h = sha256(concatBytes(signature, message, publicKey));
  return String.fromCharCode(...h);
}

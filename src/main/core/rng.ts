// A seeded pseudo-random generator (sfc32 keyed by a tagged SHA-256 of the seed) so every run can be replayed.

import { concatBytes, utf8ToBytes } from './bytes.ts';
import { InputError } from './errors.ts';
import { taggedHash } from './hash.ts';

const SEED_TAG = 'forklab/rng-seed';
const FORK_TAG = 'forklab/rng-fork';
const TWO_POW_32 = 0x1_0000_0000;
/** sfc32's author recommends discarding the first outputs so a key's structure does not show through. */
const WARM_UP_ROUNDS = 12;
/** Set by `fork` for the duration of one constructor call: the child's key instead of a hashed seed. */
let forkKey: Uint8Array | undefined;

/**
 * A deterministic stream of uint32s: Chris Doty-Humphrey's sfc32 (PractRand), whose built-in counter
 * guarantees a period of at least 2^32 from any state; expected period ~2^127. The 128-bit state comes
 * from a BIP-340-style tagged SHA-256 of the seed, so nearby seeds ("1", "2") give unrelated streams.
 * Not for keys or anything secret.
 */
export class Rng {
  /** The 32-byte key this stream was derived from; forks hash it together with their label. */
  readonly #key: Uint8Array;
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** `seed` is a safe integer or any string; the number 1 and the string "1" are different seeds. */
  constructor(seed: number | string) {
    this.#key = forkKey ?? taggedHash(SEED_TAG, seedBytes(seed));
    forkKey = undefined;
    [this.#a, this.#b, this.#c, this.#d] = stateFromKey(this.#key);
    for (let i = 0; i < WARM_UP_ROUNDS; i++) this.next();
  }

  /** The next uint32 in [0, 2^32). */
  next(): number {
    // sfc32: t = a + b + counter; a = b ^ (b >> 9); b = c + (c << 3); c = rotl(c, 21) + t.
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (((this.#c << 21) | (this.#c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1) with 53 random bits (two draws). */
  float(): number {
    const hi = this.next() >>> 5; // 27 bits
    const lo = this.next() >>> 6; // 26 bits
    return (hi * 67_108_864 + lo) / 9_007_199_254_740_992; // (hi * 2^26 + lo) / 2^53
  }

  /** An integer uniform in [0, maxExclusive), without modulo bias; `maxExclusive` is an integer in [1, 2^32]. */
  int(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive < 1 || maxExclusive > TWO_POW_32) {
      throw new InputError('bad-range', `expected an integer bound in [1, 2^32], got ${maxExclusive}`);
    }
    // Reject the top partial copy of [0, maxExclusive) so every residue is equally likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % maxExclusive);
    for (;;) {
      const x = this.next();
      if (x < limit) return x % maxExclusive;
    }
  }

  /** A waiting time of a Poisson process with `rate` events per unit (mean 1/rate); always finite. */
  exponential(rate: number): number {
    if (!(rate > 0) || !Number.isFinite(rate)) {
      throw new InputError('bad-rate', `expected a positive finite rate, got ${rate}`);
    }
    return -Math.log1p(-this.float()) / rate; // 1 - float() is in (0, 1], so the log is finite
  }

  /** `n` random bytes (little-endian uint32s, the last one truncated). */
  bytes(n: number): Uint8Array {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new InputError('bad-length', `expected a non-negative integer byte count, got ${n}`);
    }
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      let x = this.next();
      for (let j = i; j < i + 4 && j < n; j++, x >>>= 8) out[j] = x & 0xff;
    }
    return out;
  }

  /**
   * An independent stream named `label`, derived from this generator's seed (and the labels of the forks
   * that led here), not from its position: forking draws nothing from this stream, the same label always
   * gives the same child, and adding draws to the parent never perturbs its children.
   */
  fork(label: string): Rng {
    if (typeof label !== 'string') throw new InputError('bad-label', `expected a string label, got ${typeof label}`);
    forkKey = taggedHash(FORK_TAG, this.#key, utf8ToBytes(label));
    return new Rng(0);
  }

  /** A uniformly chosen element of a non-empty list. */
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new InputError('bad-list', 'expected a non-empty list, got an empty one');
    return xs[this.int(xs.length)]!;
  }

  /** Shuffles `xs` in place (Fisher–Yates: every permutation equally likely) and returns it. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const x = xs[i]!;
      xs[i] = xs[j]!;
      xs[j] = x;
    }
    return xs;
  }
}

function seedBytes(seed: number | string): Uint8Array {
  if (typeof seed === 'string') return concatBytes(Uint8Array.of(0x73), utf8ToBytes(seed)); // 's' + UTF-8
  if (typeof seed === 'number' && Number.isSafeInteger(seed)) {
    const out = new Uint8Array(9);
    out[0] = 0x6e; // 'n'
    new DataView(out.buffer).setBigInt64(1, BigInt(seed), true);
    return out;
  }
  throw new InputError('bad-seed', `expected a safe integer or a string seed, got ${String(seed)}`);
}

function stateFromKey(key: Uint8Array): [number, number, number, number] {
  const v = new DataView(key.buffer, key.byteOffset, key.byteLength);
  return [v.getUint32(0, true) | 0, v.getUint32(4, true) | 0, v.getUint32(8, true) | 0, v.getUint32(12, true) | 0];
}

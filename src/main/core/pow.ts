// Proof of work: compact `bits` <-> target, chain work, the PoW check and Bitcoin's difficulty retarget.

import { RuleError } from './errors.ts';
import type { Bytes } from './bytes.ts';

const TWO_256 = 1n << 256n;

export interface CompactDecoding {
  target: bigint;
  negative: boolean;
  overflow: boolean;
}

/** Decodes nBits as Bitcoin's arith_uint256::SetCompact does (sign bit and overflow reported, not hidden). */
export function decodeCompact(bits: number): CompactDecoding {
  const size = bits >>> 24;
  let word = bits & 0x007fffff;
  let target: bigint;
  if (size <= 3) {
    word >>>= 8 * (3 - size);
    target = BigInt(word);
  } else {
    target = BigInt(word) << BigInt(8 * (size - 3));
  }
  const negative = word !== 0 && (bits & 0x00800000) !== 0;
  const overflow = word !== 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
  return { target, negative, overflow };
}

/** Target for nBits; zero for negative or overflowing encodings (which never pass the PoW check). */
export function bitsToTarget(bits: number): bigint {
  const d = decodeCompact(bits);
  return d.negative || d.overflow ? 0n : d.target;
}

/** Encodes a non-negative target as nBits (arith_uint256::GetCompact). */
export function targetToBits(target: bigint): number {
  if (target < 0n) throw new RangeError(`target: expected a non-negative integer, got ${target}`);
  let size = 0;
  for (let t = target; t > 0n; t >>= 8n) size++;
  let word: number;
  if (size <= 3) word = Number(target << BigInt(8 * (3 - size)));
  else word = Number(target >> BigInt(8 * (size - 3)));
  // The mantissa's top bit is the sign: shift it out into the exponent.
  if (word & 0x00800000) {
    word >>>= 8;
    size++;
  }
  return ((size << 24) | word) >>> 0;
}

/** Work represented by one block at `bits`: 2^256 / (target + 1). */
export function workFromBits(bits: number): bigint {
  const target = bitsToTarget(bits);
  if (target === 0n) return 0n;
  return TWO_256 / (target + 1n);
}

/** A hash in internal byte order read as the little-endian 256-bit integer Bitcoin compares with the target. */
export function hashToBigInt(hash: Bytes): bigint {
  let n = 0n;
  for (let i = hash.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(hash[i]!);
  return n;
}

/** Throws bad-diffbits when nBits is out of range, high-hash when the hash exceeds the target. */
export function checkProofOfWork(hash: Bytes, bits: number, powLimit: bigint): void {
  const d = decodeCompact(bits);
  if (d.negative || d.overflow || d.target === 0n || d.target > powLimit) {
    throw new RuleError('bad-diffbits', `bits 0x${bits.toString(16)} out of range`);
  }
  if (hashToBigInt(hash) > d.target) throw new RuleError('high-hash', 'proof of work failed');
}

export interface RetargetParams {
  powLimit: bigint;
  /** Seconds between blocks the retarget aims for. */
  targetSpacing: number;
  /** Blocks per difficulty window. */
  retargetInterval: number;
  /** Keep bits constant (regtest-style). */
  noRetarget: boolean;
}

/**
 * Bits required for the block after `prev` (GetNextWorkRequired without testnet's min-difficulty rule).
 * `firstTimeOfWindow` is the time of the block retargetInterval - 1 blocks before `prev`
 * (Bitcoin's window spans interval - 1 gaps; kept for faithfulness).
 */
export function nextBitsRequired(
  prev: { height: number; bits: number; time: number },
  firstTimeOfWindow: () => number,
  p: RetargetParams,
): number {
  if (p.noRetarget || (prev.height + 1) % p.retargetInterval !== 0) return prev.bits;
  return retarget(prev.bits, prev.time - firstTimeOfWindow(), p);
}

/** CalculateNextWorkRequired: scale the target by actual / expected timespan, clamped to a factor of 4. */
export function retarget(bits: number, actualTimespan: number, p: RetargetParams): number {
  const expected = p.targetSpacing * p.retargetInterval;
  const clamped = Math.min(Math.max(actualTimespan, Math.floor(expected / 4)), expected * 4);
  let target = (bitsToTarget(bits) * BigInt(clamped)) / BigInt(expected);
  if (target > p.powLimit) target = p.powLimit;
  return targetToBits(target);
}

// Proof-of-work arithmetic for the block view: compact "bits" to the target, and the work a target stands for.

const TWO_256 = 1n << 256n;

/** The target a header's compact `bits` encode: mantissa * 256^(exponent - 3) (Bitcoin Core's SetCompact). */
export function targetFromBits(bits: number): bigint {
  const exponent = bits >>> 24;
  const mantissa = BigInt(bits & 0x007fffff);
  if (exponent <= 3) return mantissa >> BigInt(8 * (3 - exponent));
  return mantissa << BigInt(8 * (exponent - 3));
}

/** Expected number of hashes to find a header hash at most `target`: 2^256 / (target + 1) (GetBlockProof). */
export function workForTarget(target: bigint): bigint {
  return TWO_256 / (target + 1n);
}

/** A chain-work hex string (as the index stores it) as a bigint. */
export function workFromHex(hex: string): bigint {
  return hex ? BigInt(`0x${hex}`) : 0n;
}

/** A big count for reading: grouped digits when short, else "1.23 × 10^21". */
export function bigCount(n: bigint): string {
  const s = n.toString();
  if (s.length <= 15) return n.toLocaleString('en-US');
  return `${s[0]}.${s.slice(1, 3)} × 10^${s.length - 1}`;
}

/** A 256-bit value as 64 hex digits. */
export function hex256(n: bigint): string {
  return n.toString(16).padStart(64, '0');
}

/** log2 of a positive bigint, to two decimals (for "about 2^N hashes"). */
export function log2(n: bigint): number {
  if (n <= 0n) return 0;
  const bits = n.toString(2).length;
  const top = Number(n >> BigInt(Math.max(0, bits - 53)));
  return Math.max(0, bits - 53) + Math.log2(top);
}

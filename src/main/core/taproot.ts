// Taproot keys (BIP-341/BIP-86): the key-path-only output key tweak and the matching secret key tweak.

import * as secp from '@noble/secp256k1';
import { abytes, concatBytes, type Bytes } from './bytes.ts';
import { taggedHash } from './hash.ts';

const N = secp.Point.CURVE().n;

function bytesToNumber(b: Bytes): bigint {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

function numberTo32Bytes(n: bigint): Bytes {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/** BIP-341 taproot tweak t = hash_TapTweak(P || merkleRoot); BIP-86 key-path-only outputs have no merkle root. */
export function tapTweak(internalKey: Bytes, merkleRoot?: Bytes): bigint {
  abytes(internalKey, 32, 'internal key');
  const t = bytesToNumber(merkleRoot ? taggedHash('TapTweak', internalKey, merkleRoot) : taggedHash('TapTweak', internalKey));
  if (t >= N) throw new RangeError('taproot tweak: hash is not below the curve order');
  return t;
}

/** Output key Q = lift_x(P) + t*G as a 32-byte x-only key, with Q's y parity. */
export function taprootOutputKey(internalKey: Bytes, merkleRoot?: Bytes): { key: Bytes; parity: 0 | 1 } {
  const P = secp.Point.fromBytes(concatBytes(new Uint8Array([2]), internalKey));
  const Q = P.add(secp.Point.BASE.multiply(tapTweak(internalKey, merkleRoot)));
  const { x, y } = Q.toAffine();
  return { key: numberTo32Bytes(x), parity: (y & 1n) === 1n ? 1 : 0 };
}

/** x-only public key of a secret key (BIP-340). */
export function xOnlyPublicKey(secretKey: Bytes): Bytes {
  return secp.schnorr.getPublicKey(secretKey);
}

/** The secret key that signs for the tweaked output key: negate d when P has odd y, then add t (BIP-341). */
export function taprootTweakSecretKey(secretKey: Bytes, merkleRoot?: Bytes): Bytes {
  abytes(secretKey, 32, 'secret key');
  let d = bytesToNumber(secretKey);
  if (d <= 0n || d >= N) throw new RangeError('secret key: expected 1 <= d < n');
  const P = secp.Point.BASE.multiply(d);
  const { x, y } = P.toAffine();
  if ((y & 1n) === 1n) d = N - d;
  const tweaked = (d + tapTweak(numberTo32Bytes(x), merkleRoot)) % N;
  if (tweaked === 0n) throw new RangeError('tweaked secret key is zero');
  return numberTo32Bytes(tweaked);
}

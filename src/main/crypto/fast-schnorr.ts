// The fast BIP-340 backend: libsecp256k1 compiled to WebAssembly (tiny-secp256k1), for validation and bulk signing.

import * as ecc from 'tiny-secp256k1';
import { nobleSchnorr, type SchnorrBackend } from '../core/signatures.ts';

/**
 * libsecp256k1 verifies about ten times faster than the pure-JS reference. It takes 32-byte messages only
 * (all Bitcoin sighashes are); other lengths, allowed by BIP-340, go to the reference implementation.
 */
export const wasmSchnorr: SchnorrBackend = {
  name: 'tiny-secp256k1 (libsecp256k1/wasm)',
  verify(signature, message, publicKey) {
    if (message.length !== 32) return nobleSchnorr.verify(signature, message, publicKey);
    if (signature.length !== 64 || publicKey.length !== 32) return false;
    try {
      return ecc.verifySchnorr(message, publicKey, signature);
    } catch {
      return false; // a public key not on the curve
    }
  },
  sign(message, secretKey, auxRand) {
    if (message.length !== 32) return nobleSchnorr.sign(message, secretKey, auxRand);
    return ecc.signSchnorr(message, secretKey, auxRand);
  },
};

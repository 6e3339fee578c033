// Worker thread: verifies batches of BIP-340 signatures with libsecp256k1 (wasm) for the main thread.

import { parentPort } from 'node:worker_threads';
import * as ecc from 'tiny-secp256k1';

export interface VerifyRequest {
  id: number;
  /** n x 64 bytes, n x 32 bytes, n x 32 bytes. */
  signatures: Uint8Array;
  messages: Uint8Array;
  publicKeys: Uint8Array;
}

export interface VerifyResponse {
  id: number;
  /** 1 for a valid signature, 0 otherwise. */
  verdicts: Uint8Array;
}

parentPort?.on('message', (r: VerifyRequest) => {
  const n = r.messages.length / 32;
  const verdicts = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    try {
      verdicts[i] = ecc.verifySchnorr(r.messages.subarray(32 * i, 32 * i + 32), r.publicKeys.subarray(32 * i, 32 * i + 32), r.signatures.subarray(64 * i, 64 * i + 64)) ? 1 : 0;
    } catch {
      verdicts[i] = 0; // a public key not on the curve
    }
  }
  const response: VerifyResponse = { id: r.id, verdicts };
  parentPort!.postMessage(response, [verdicts.buffer]);
});

// The generals' keys and their BIP-340 signatures on orders, cached so that exhaustive searches stay fast.

import { equalBytes, utf8ToBytes, type Bytes } from '../core/bytes.ts';
import { taggedHash } from '../core/hash.ts';
import { nobleSchnorr, type SchnorrBackend } from '../core/signatures.ts';
import { xOnlyPublicKey } from '../core/taproot.ts';
import type { Order } from './orders.ts';

const KEY_TAG = 'forklab/generals/key';
const ORDER_TAG = 'forklab/generals/order';
/** BIP-340 allows a fixed auxiliary value; then a signature is a function of (key, message), which the cache relies on. */
const AUX_RAND = new Uint8Array(32);

/** One link of a chain: `signer` countersigned the order and every signer before it. */
export interface OrderSignature {
  readonly signer: number;
  readonly signature: Bytes;
}

/** An order with its chain of signatures, the commander's first: "v:0:j1:…:jk" in the paper's notation. */
export interface SignedOrder {
  readonly order: Order;
  readonly chain: readonly OrderSignature[];
}

/** The 32-byte message signer `signers[last]` signs: the order and the ids of everyone who signed so far, itself included. */
export function orderDigest(order: Order, signers: readonly number[]): Bytes {
  return taggedHash(ORDER_TAG, Uint8Array.of(order === 'attack' ? 1 : 0), Uint8Array.from(signers));
}

export function signersOf(signed: SignedOrder): number[] {
  return signed.chain.map((s) => s.signer);
}

/**
 * The keys of generals 0..31 (secret key = a tagged hash of the general's id, so every run can be replayed)
 * and a signer/verifier over an injectable backend. Signatures and verdicts are cached by their inputs: both
 * are pure functions of them, so a search that signs the same order a thousand times computes it once.
 */
export class GeneralsKeyring {
  readonly backend: SchnorrBackend;
  readonly #secretKeys = new Map<number, Bytes>();
  readonly #publicKeys = new Map<number, Bytes>();
  readonly #signatures = new Map<string, Bytes>();
  /** Signatures checked per (order, signers), with their verdicts. */
  readonly #verdicts = new Map<string, { signature: Bytes; valid: boolean }[]>();
  /** Signatures computed and verifications run by the backend (cache misses), for tests and benchmarks. */
  signed = 0;
  verified = 0;

  constructor(backend: SchnorrBackend = nobleSchnorr) {
    this.backend = backend;
  }

  secretKey(general: number): Bytes {
    let key = this.#secretKeys.get(general);
    if (!key) {
      key = taggedHash(KEY_TAG, utf8ToBytes(`general ${general}`));
      this.#secretKeys.set(general, key);
    }
    return key;
  }

  publicKey(general: number): Bytes {
    let key = this.#publicKeys.get(general);
    if (!key) {
      key = xOnlyPublicKey(this.secretKey(general));
      this.#publicKeys.set(general, key);
    }
    return key;
  }

  /** The signature of `signers[last]` on (order, signers). */
  sign(order: Order, signers: readonly number[]): Bytes {
    const id = `${order}|${signers.join('.')}`;
    let signature = this.#signatures.get(id);
    if (!signature) {
      const signer = signers[signers.length - 1]!;
      signature = this.backend.sign(orderDigest(order, signers), this.secretKey(signer), AUX_RAND);
      this.#signatures.set(id, signature);
      this.signed++;
    }
    return signature;
  }

  /** Whether `signature` is `signers[last]`'s valid BIP-340 signature on (order, signers). */
  verify(order: Order, signers: readonly number[], signature: Bytes): boolean {
    return this.#verify(`${order}|${signers.join('.')}`, order, signers, signature);
  }

  #verify(id: string, order: Order, signers: readonly number[], signature: Bytes): boolean {
    let seen = this.#verdicts.get(id);
    if (!seen) {
      seen = [];
      this.#verdicts.set(id, seen);
    }
    for (const v of seen) if (equalBytes(v.signature, signature)) return v.valid;
    const signer = signers[signers.length - 1]!;
    const valid = this.backend.verify(signature, orderDigest(order, signers), this.publicKey(signer));
    seen.push({ signature: Uint8Array.from(signature), valid }); // a copy: the caller may reuse its bytes
    this.verified++;
    return valid;
  }

  /** The commander's signed order "v:0". */
  issue(order: Order, commander = 0): SignedOrder {
    return { order, chain: [{ signer: commander, signature: this.sign(order, [commander]) }] };
  }

  /** `signed` with `signer`'s signature appended ("v:0:…:j" becomes "v:0:…:j:signer"). */
  countersign(signed: SignedOrder, signer: number): SignedOrder {
    const signers = [...signersOf(signed), signer];
    return { order: signed.order, chain: [...signed.chain, { signer, signature: this.sign(signed.order, signers) }] };
  }

  /** Whether every signature of the chain verifies. */
  verifyChain(signed: SignedOrder): boolean {
    const signers: number[] = [];
    let id = `${signed.order}|`;
    for (const link of signed.chain) {
      id += signers.length === 0 ? `${link.signer}` : `.${link.signer}`;
      signers.push(link.signer);
      if (!this.#verify(id, signed.order, signers, link.signature)) return false;
    }
    return true;
  }
}

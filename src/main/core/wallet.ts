// A deterministic taproot wallet: BIP-86 keys from a seed, coin selection with change, signing, conflicts.

import { HDKey } from '@scure/bip32';
import { encodeSegwitAddress, scriptFromAddress } from './address.ts';
import { bytesToHex, concatBytes, hexReversedToBytes, type Bytes } from './bytes.ts';
import type { Chainstate } from './chainstate.ts';
import { InputError } from './errors.ts';
import { sha256 } from './hash.ts';
import type { Mempool } from './mempool.ts';
import type { NetworkParams } from './params.ts';
import { nullDataScript, p2trScript } from './script.ts';
import { SIGHASH_DEFAULT, TaprootSigHasher } from './sighash.ts';
import { nobleSchnorr, type SchnorrBackend } from './signatures.ts';
import { taprootOutputKey, taprootTweakSecretKey } from './taproot.ts';
import { Transaction, outpointKey, type OutPoint, type TxOut } from './tx.ts';

/** Outputs below this are not created as change (Bitcoin Core's dust threshold for P2TR at 3 sat/vB). */
export const DUST_LIMIT = 330n;
const LOOKAHEAD = 20;
/** vsize of a P2TR key-path input: 41 base bytes + (1 + 1 + 64) witness bytes / 4. */
const P2TR_INPUT_VSIZE = 57.5;

export interface WalletKey {
  index: number;
  /** Tweaked secret key that signs for the output key. */
  secretKey: Bytes;
  internalKey: Bytes;
  outputKey: Bytes;
  scriptPubKey: Bytes;
  address: string;
}

export interface WalletCoin {
  outpoint: OutPoint;
  key: string;
  value: bigint;
  scriptPubKey: Bytes;
  height: number;
  coinbase: boolean;
  confirmed: boolean;
  keyIndex: number;
}

export interface Recipient {
  /** An address, or a raw output script. */
  address?: string;
  scriptPubKey?: Bytes;
  value: bigint;
}

export interface PaymentOptions {
  chain: Chainstate;
  mempool?: Mempool;
  to: readonly Recipient[];
  /** sat/vB */
  feeRate: number;
  /** Data for an OP_RETURN output. */
  data?: Bytes;
  /** Spend exactly these coins (all of them) instead of selecting. */
  coins?: readonly OutPoint[];
  /** Also spend unconfirmed coins from the mempool (default true). */
  allowUnconfirmed?: boolean;
  /** Where change goes; a fresh address of this wallet by default. */
  changeScript?: Bytes;
}

export interface WalletOptions {
  params: NetworkParams;
  seed: Bytes;
  /** Signing backend; the reference implementation by default. */
  signer?: SchnorrBackend;
}

export class Wallet {
  readonly params: NetworkParams;
  private readonly account: HDKey;
  private readonly signer: SchnorrBackend;
  private readonly keys: WalletKey[] = [];
  private readonly byScript = new Map<string, WalletKey>();
  /** Bytes 2..5 of each own script (the output key's first four bytes): a cheap filter before the map. */
  private readonly prefixes = new Set<number>();
  /** Index 0 is the primary address; fresh addresses start after it. */
  private nextIndex = 1;

  constructor(o: WalletOptions) {
    if (o.seed.length < 16 || o.seed.length > 64) throw new InputError('bad-seed', `wallet seed: expected 16..64 bytes, got ${o.seed.length}`);
    this.params = o.params;
    this.signer = o.signer ?? nobleSchnorr;
    const coinType = o.params.name === 'mainnet' ? 0 : 1;
    // BIP-86: m/86'/coin'/0'/0/i
    this.account = HDKey.fromMasterSeed(o.seed).derive(`m/86'/${coinType}'/0'/0`);
  }

  /** A wallet whose seed is derived from a label, so scenarios replay with the same keys. */
  static fromLabel(params: NetworkParams, label: string, signer?: SchnorrBackend): Wallet {
    return new Wallet({ params, seed: sha256(new TextEncoder().encode(`forklab wallet:${label}`)), ...(signer ? { signer } : {}) });
  }

  private ensureKeys(count: number): void {
    while (this.keys.length < count) {
      const i = this.keys.length;
      const child = this.account.deriveChild(i);
      const secret = child.privateKey!;
      const internalKey = child.publicKey!.subarray(1);
      const outputKey = taprootOutputKey(internalKey).key;
      const scriptPubKey = p2trScript(outputKey);
      const key: WalletKey = {
        index: i,
        secretKey: taprootTweakSecretKey(secret),
        internalKey,
        outputKey,
        scriptPubKey,
        address: encodeSegwitAddress(this.params.bech32Hrp, 1, outputKey),
      };
      this.keys.push(key);
      this.byScript.set(bytesToHex(scriptPubKey), key);
      this.prefixes.add(scriptPrefix(scriptPubKey));
    }
  }

  /**
   * Derives the keys kept ahead of the next fresh address, at most `max` of them (a key costs about 1.5 ms), and
   * says whether all are there. They are derived on first need otherwise; opening a workspace derives them in
   * its steps so no scan or payment pays for them on the event loop.
   */
  deriveAhead(max = Infinity): boolean {
    const want = this.nextIndex + LOOKAHEAD;
    this.ensureKeys(Math.min(want, this.keys.length + max));
    return this.keys.length >= want;
  }

  key(index: number): WalletKey {
    this.ensureKeys(index + 1);
    return this.keys[index]!;
  }

  /** A fresh receiving address (keys are derived ahead so incoming coins are recognised). */
  newAddress(): WalletKey {
    const key = this.key(this.nextIndex++);
    this.ensureKeys(this.nextIndex + LOOKAHEAD);
    return key;
  }

  /** The first address: where a miner's rewards go by default. */
  get primary(): WalletKey {
    return this.key(0);
  }

  isMine(scriptPubKey: Bytes): WalletKey | undefined {
    if (this.keys.length < this.nextIndex + LOOKAHEAD) this.deriveAhead();
    // Scans of the whole UTXO set call this for every coin: most are rejected without building a hex key.
    if (scriptPubKey.length !== 34 || !this.prefixes.has(scriptPrefix(scriptPubKey))) return undefined;
    return this.byScript.get(bytesToHex(scriptPubKey));
  }

  /** Spendable coins: confirmed and mature, not spent in the mempool; plus own unconfirmed outputs when asked. */
  listCoins(chain: Chainstate, mempool?: Mempool, allowUnconfirmed = true): WalletCoin[] {
    const out: WalletCoin[] = [];
    const spendHeight = chain.height + 1;
    for (const [key, coin] of chain.utxo.entries()) {
      const k = this.isMine(coin.scriptPubKey);
      if (!k) continue;
      if (coin.coinbase && spendHeight - coin.height < this.params.coinbaseMaturity) continue;
      if (mempool?.spender(key)) continue;
      out.push({ outpoint: parseKey(key), key, value: coin.value, scriptPubKey: coin.scriptPubKey, height: coin.height, coinbase: coin.coinbase, confirmed: true, keyIndex: k.index });
    }
    if (mempool && allowUnconfirmed) {
      for (const entry of mempool.all()) {
        entry.tx.outputs.forEach((o, vout) => {
          const k = this.isMine(o.scriptPubKey);
          const key = `${entry.txid}:${vout}`;
          if (!k || mempool.spender(key)) return;
          out.push({ outpoint: { txid: entry.tx.txid, vout }, key, value: o.value, scriptPubKey: o.scriptPubKey, height: spendHeight, coinbase: false, confirmed: false, keyIndex: k.index });
        });
      }
    }
    return out;
  }

  balance(chain: Chainstate, mempool?: Mempool): { confirmed: bigint; unconfirmed: bigint; immature: bigint } {
    let confirmed = 0n;
    let immature = 0n;
    let unconfirmed = 0n;
    const spendHeight = chain.height + 1;
    for (const [key, coin] of chain.utxo.entries()) {
      if (!this.isMine(coin.scriptPubKey) || mempool?.spender(key)) continue;
      if (coin.coinbase && spendHeight - coin.height < this.params.coinbaseMaturity) immature += coin.value;
      else confirmed += coin.value;
    }
    if (mempool) for (const c of this.listCoins(chain, mempool)) if (!c.confirmed) unconfirmed += c.value;
    return { confirmed, unconfirmed, immature };
  }

  /** Builds and signs a payment; change above dust returns to a fresh address. Throws InputError when funds are short. */
  createPayment(o: PaymentOptions): Transaction {
    if (!(o.feeRate >= 0) || !Number.isFinite(o.feeRate)) throw new InputError('bad-fee-rate', `fee rate: expected a non-negative number, got ${o.feeRate}`);
    const outputs: TxOut[] = o.to.map((r) => {
      if (r.value <= 0n) throw new InputError('bad-amount', `amount: expected a positive number of satoshis, got ${r.value}`);
      const scriptPubKey = r.scriptPubKey ?? (r.address !== undefined ? scriptFromAddress(r.address, this.params) : undefined);
      if (!scriptPubKey) throw new InputError('bad-recipient', 'recipient: expected an address or a script');
      return { value: r.value, scriptPubKey };
    });
    if (o.data) outputs.push({ value: 0n, scriptPubKey: nullDataScript(o.data) });
    const target = outputs.reduce((s, x) => s + x.value, 0n);
    const available = this.listCoins(o.chain, o.mempool, o.allowUnconfirmed ?? true);
    let selected: WalletCoin[];
    if (o.coins) {
      selected = o.coins.map((op) => {
        const c = available.find((x) => x.key === outpointKey(op));
        if (!c) throw new InputError('coin-unavailable', `coin ${outpointKey(op)} is not a spendable coin of this wallet`);
        return c;
      });
    } else {
      selected = [];
      // Largest first, confirmed before unconfirmed: few inputs, rarely a chain of unconfirmed parents.
      const sorted = [...available].sort((a, b) => Number(b.confirmed) - Number(a.confirmed) || (b.value > a.value ? 1 : b.value < a.value ? -1 : 0));
      let sum = 0n;
      for (const c of sorted) {
        if (sum >= target + this.fee(selected.length, outputs, true, o.feeRate)) break;
        selected.push(c);
        sum += c.value;
      }
    }
    const inputSum = selected.reduce((s, c) => s + c.value, 0n);
    const feeWithChange = this.fee(selected.length, outputs, true, o.feeRate);
    const feeNoChange = this.fee(selected.length, outputs, false, o.feeRate);
    if (selected.length === 0 || inputSum < target + feeNoChange) {
      throw new InputError('insufficient-funds', `insufficient funds: need ${target + feeNoChange} sat, have ${inputSum} spendable`);
    }
    const change = inputSum - target - feeWithChange;
    const finalOutputs = change >= DUST_LIMIT ? [...outputs, { value: change, scriptPubKey: o.changeScript ?? this.newAddress().scriptPubKey }] : outputs;
    return this.signWith(selected, finalOutputs);
  }

  /**
   * A transaction spending the same coins as `tx` (those of them that are this wallet's) back to this
   * wallet: the second half of a double spend.
   */
  createConflict(tx: Transaction, o: { chain: Chainstate; feeRate: number }): Transaction {
    const coins: WalletCoin[] = [];
    for (const input of tx.inputs) {
      const key = outpointKey(input.prevout);
      const coin = o.chain.getCoin(key);
      const k = coin && this.isMine(coin.scriptPubKey);
      if (coin && k) coins.push({ outpoint: input.prevout, key, value: coin.value, scriptPubKey: coin.scriptPubKey, height: coin.height, coinbase: coin.coinbase, confirmed: true, keyIndex: k.index });
    }
    if (coins.length === 0) throw new InputError('no-own-inputs', `transaction ${tx.id} spends no confirmed coin of this wallet`);
    const total = coins.reduce((s, c) => s + c.value, 0n);
    const dest = this.newAddress().scriptPubKey;
    const fee = this.fee(coins.length, [{ value: 0n, scriptPubKey: dest }], false, o.feeRate);
    if (total - fee < DUST_LIMIT) throw new InputError('insufficient-funds', 'the conflicting coins do not cover the fee');
    return this.signWith(coins, [{ value: total - fee, scriptPubKey: dest }]);
  }

  /** Fee for a P2TR-only transaction with `inputs` inputs and these outputs (plus a P2TR change output). */
  private fee(inputs: number, outputs: readonly TxOut[], withChange: boolean, feeRate: number): bigint {
    let vsize = 10.5; // version, locktime, counts, segwit marker and flag
    vsize += inputs * P2TR_INPUT_VSIZE;
    for (const o of outputs) vsize += 9 + o.scriptPubKey.length;
    if (withChange) vsize += 43;
    return BigInt(Math.ceil(Math.ceil(vsize) * feeRate));
  }

  /**
   * Builds and signs a transaction spending `spends` (each must pay one of this wallet's keys) to `outputs`.
   * Every input signs SIGHASH_DEFAULT over BIP-341's message; aux randomness is derived, so signing replays.
   */
  signWith(spends: readonly SpendInput[], outputs: readonly TxOut[], o: { locktime?: number; sequence?: number } = {}): Transaction {
    const keys = spends.map((c) => {
      const k = this.isMine(c.scriptPubKey);
      if (!k) throw new InputError('not-mine', `coin ${outpointKey(c.outpoint)} does not pay this wallet`);
      return k;
    });
    const unsigned = new Transaction({
      version: 2,
      inputs: spends.map((c) => ({ prevout: c.outpoint, scriptSig: new Uint8Array(0), sequence: o.sequence ?? 0xfffffffd, witness: [] })),
      outputs,
      locktime: o.locktime ?? 0,
    });
    const hasher = new TaprootSigHasher(unsigned, spends.map((c) => ({ value: c.value, scriptPubKey: c.scriptPubKey })));
    const inputs = unsigned.inputs.map((input, i) => {
      const key = keys[i]!;
      const msg = hasher.sighash(i, SIGHASH_DEFAULT);
      const aux = sha256(concatBytes(key.secretKey, msg));
      return { ...input, witness: [this.signer.sign(msg, key.secretKey, aux)] };
    });
    return new Transaction({ ...unsigned, inputs });
  }
}

/** A coin to spend: where it is and what it pays. */
export interface SpendInput {
  outpoint: OutPoint;
  value: bigint;
  scriptPubKey: Bytes;
}

function scriptPrefix(script: Bytes): number {
  return ((script[2]! << 24) | (script[3]! << 16) | (script[4]! << 8) | script[5]!) >>> 0;
}

function parseKey(key: string): OutPoint {
  const sep = key.lastIndexOf(':');
  return { txid: hexReversedToBytes(key.slice(0, sep)), vout: Number(key.slice(sep + 1)) };
}

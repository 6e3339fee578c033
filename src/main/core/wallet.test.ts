// The BIP-86 wallet: vector keys and addresses, then payments, conflicts and replay on a ChainBuilder chain.

import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { beforeEach, describe, expect, it } from 'vitest';
import { ChainBuilder, EASY } from '../../../test/support/chain-builder.ts';
import vectors from '../../../test/vectors/bip86.json' with { type: 'json' };
import { wasmSchnorr } from '../crypto/fast-schnorr.ts';
import { encodeSegwitAddress } from './address.ts';
import { bytesToHex } from './bytes.ts';
import { InputError } from './errors.ts';
import { Mempool } from './mempool.ts';
import { COIN, FORKLAB, MAINNET } from './params.ts';
import { p2trScript } from './script.ts';
import { TaprootSigHasher } from './sighash.ts';
import { nobleSchnorr } from './signatures.ts';
import { taprootOutputKey, xOnlyPublicKey } from './taproot.ts';
import { outpointKey, type Transaction } from './tx.ts';
import { DUST_LIMIT, Wallet } from './wallet.ts';

const seed = mnemonicToSeedSync(vectors.mnemonic, vectors.passphrase);
const receiving = vectors.addresses.filter((a) => a.path.startsWith("m/86'/0'/0'/0/")).map((a) => ({ ...a, index: Number(a.path.split('/').pop()) }));

describe('BIP-86 vectors (mainnet, m/86\'/0\'/0\'/0/i)', () => {
  const wallet = new Wallet({ params: MAINNET, seed });

  it('the mnemonic gives the vector root and account keys', () => {
    const root = HDKey.fromMasterSeed(seed);
    expect(root.privateExtendedKey).toBe(vectors.rootPriv);
    expect(root.publicExtendedKey).toBe(vectors.rootPub);
    expect(root.derive(vectors.account.path).publicExtendedKey).toBe(vectors.account.xpub);
  });

  it('has receiving addresses to check', () => expect(receiving.length).toBeGreaterThan(0));

  it.each(receiving)('$path: internal key, output key, scriptPubKey, address', (v) => {
    const key = wallet.key(v.index);
    expect(key.index).toBe(v.index);
    expect(bytesToHex(key.internalKey)).toBe(v.internalKey);
    expect(bytesToHex(key.outputKey)).toBe(v.outputKey);
    expect(bytesToHex(key.scriptPubKey)).toBe(v.scriptPubKey);
    expect(key.address).toBe(v.address);
    // The tweaked secret key is the one that signs for the output key.
    expect(bytesToHex(xOnlyPublicKey(key.secretKey))).toBe(v.outputKey);
    expect(wallet.isMine(key.scriptPubKey)).toBe(key);
  });

  it.each(vectors.addresses)('$path: the BIP-341 tweak of the vector key (derived directly)', (v) => {
    const child = HDKey.fromMasterSeed(seed).derive(v.path);
    expect(child.publicExtendedKey).toBe(v.xpub);
    const internal = child.publicKey!.subarray(1);
    expect(bytesToHex(internal)).toBe(v.internalKey);
    const output = taprootOutputKey(internal).key;
    expect(bytesToHex(output)).toBe(v.outputKey);
    expect(bytesToHex(p2trScript(output))).toBe(v.scriptPubKey);
    expect(encodeSegwitAddress('bc', 1, output)).toBe(v.address);
  });

  it('on forklab, addresses are bech32m with the bcrt hrp (coin type 1, so other keys)', () => {
    const forklab = new Wallet({ params: FORKLAB, seed });
    for (let i = 0; i < 3; i++) {
      expect(forklab.key(i).address.startsWith('bcrt1p')).toBe(true);
      expect(bytesToHex(forklab.key(i).outputKey)).not.toBe(bytesToHex(wallet.key(i).outputKey));
    }
  });

  it('refuses seeds outside 16..64 bytes', () => {
    expect(() => new Wallet({ params: MAINNET, seed: new Uint8Array(15) })).toThrow(InputError);
    expect(() => new Wallet({ params: MAINNET, seed: new Uint8Array(65) })).toThrow(InputError);
  });
});

/** Real fee rate of a signed transaction, in sat/vB, from the coins the chain knows. */
function feeRateOf(t: ChainBuilder, tx: Transaction): { fee: bigint; rate: number } {
  let valueIn = 0n;
  for (const input of tx.inputs) valueIn += t.chain.getCoin(outpointKey(input.prevout))!.value;
  const fee = valueIn - tx.totalOut();
  return { fee, rate: Number(fee) / tx.vsize };
}

/** A chain whose first coinbases (paid to the builder's wallet) are mature. */
function matureChain(label = 'builder'): { t: ChainBuilder; mempool: Mempool; tip: string } {
  const t = new ChainBuilder(EASY, label);
  const tip = t.chainOf('m', 'genesis', EASY.coinbaseMaturity + 4);
  for (let i = 1; i <= EASY.coinbaseMaturity + 4; i++) t.accept(`m${i}`);
  const mempool = new Mempool(t.chain, { now: () => t.now });
  return { t, mempool, tip };
}

describe('payments on a chain', () => {
  let t: ChainBuilder;
  let mempool: Mempool;
  let tip: string;
  const payee = Wallet.fromLabel(EASY, 'payee');

  beforeEach(() => {
    ({ t, mempool, tip } = matureChain());
  });

  it('has mature coins to spend', () => {
    const coins = t.wallet.listCoins(t.chain, mempool);
    expect(coins.length).toBe(5); // heights 1..5 are mature at spend height 10 (maturity 5)
    expect(t.wallet.balance(t.chain, mempool)).toEqual({ confirmed: 5n * 50n * COIN, unconfirmed: 0n, immature: 4n * 50n * COIN });
  });

  it.each([1, 2.5, 7, 33])('pays with change at %s sat/vB: fee rate within [rate, rate x 1.05], accepted by mempool and block', (feeRate) => {
    const value = 12n * COIN + 345n;
    const to = payee.key(0);
    const tx = t.wallet.createPayment({ chain: t.chain, mempool, to: [{ address: to.address, value }], feeRate });

    expect(tx.outputs[0]).toEqual({ value, scriptPubKey: to.scriptPubKey });
    expect(tx.outputs.length).toBe(2);
    const change = tx.outputs[1]!;
    expect(change.value).toBeGreaterThanOrEqual(DUST_LIMIT);
    expect(t.wallet.isMine(change.scriptPubKey)).toBeDefined();
    const { rate } = feeRateOf(t, tx);
    expect(rate).toBeGreaterThanOrEqual(feeRate);
    expect(rate).toBeLessThanOrEqual(feeRate * 1.05);

    const entry = mempool.accept(tx);
    expect(entry.feeRate).toBeCloseTo(rate, 9);
    expect(mempool.has(tx.id)).toBe(true);

    t.block('pay', tip, { txs: [tx] });
    expect(t.accept('pay').status).toBe('connected');
    expect(mempool.size).toBe(0);
    expect(payee.balance(t.chain).confirmed).toBe(value);
    expect(t.chain.getCoin(`${tx.id}:1`)?.value).toBe(change.value);
  });

  it('sends change to a fresh address: not the paying key, not an address that already holds coins', () => {
    const used = new Set([...t.chain.utxo.entries()].map(([, c]) => bytesToHex(c.scriptPubKey)));
    const tx = t.wallet.createPayment({ chain: t.chain, to: [{ scriptPubKey: payee.key(0).scriptPubKey, value: COIN }], feeRate: 1 });
    const change = tx.outputs[1]!;
    expect(bytesToHex(change.scriptPubKey), 'change reuses the address the spent coins (and every coinbase) were paid to').not.toBe(bytesToHex(t.wallet.primary.scriptPubKey));
    expect(used.has(bytesToHex(change.scriptPubKey))).toBe(false);
  });

  it('gives change below dust to the fee instead of creating an output', () => {
    const coin = t.wallet.listCoins(t.chain)[0]!;
    // 1 input, 1 P2TR output, no change at 1 sat/vB: 10.5 + 57.5 + 43 = 111 vB.
    const value = coin.value - 111n - (DUST_LIMIT - 1n);
    const tx = t.wallet.createPayment({ chain: t.chain, to: [{ scriptPubKey: payee.key(1).scriptPubKey, value }], feeRate: 1, coins: [coin.outpoint] });
    expect(tx.outputs.length).toBe(1);
    expect(feeRateOf(t, tx).fee).toBe(111n + DUST_LIMIT - 1n);
    mempool.accept(tx);
  });

  it('adds an OP_RETURN output for data', () => {
    const data = new TextEncoder().encode('forklab');
    const tx = t.wallet.createPayment({ chain: t.chain, to: [{ scriptPubKey: payee.key(0).scriptPubKey, value: COIN }], feeRate: 2, data });
    expect(tx.outputs.some((o) => o.value === 0n && o.scriptPubKey[0] === 0x6a)).toBe(true);
    const { rate } = feeRateOf(t, tx);
    expect(rate).toBeGreaterThanOrEqual(2);
    expect(rate).toBeLessThanOrEqual(2 * 1.05);
    mempool.accept(tx);
  });

  it('spends several coins when one is not enough', () => {
    const tx = t.wallet.createPayment({ chain: t.chain, mempool, to: [{ scriptPubKey: payee.key(0).scriptPubKey, value: 120n * COIN }], feeRate: 3 });
    expect(tx.inputs.length).toBe(3);
    const { rate } = feeRateOf(t, tx);
    expect(rate).toBeGreaterThanOrEqual(3);
    expect(rate).toBeLessThanOrEqual(3 * 1.05);
    mempool.accept(tx);
    // The spent coins are no longer listed: a second payment picks others.
    const second = t.wallet.createPayment({ chain: t.chain, mempool, to: [{ scriptPubKey: payee.key(1).scriptPubKey, value: COIN }], feeRate: 1, allowUnconfirmed: false });
    const firstInputs = new Set(tx.inputs.map((i) => outpointKey(i.prevout)));
    expect(second.inputs.some((i) => firstInputs.has(outpointKey(i.prevout)))).toBe(false);
    mempool.accept(second);
  });

  it('throws insufficient-funds and changes nothing', () => {
    const twin = Wallet.fromLabel(EASY, 'builder');
    const digest = t.chain.utxo.digest();
    let error: unknown;
    try {
      t.wallet.createPayment({ chain: t.chain, mempool, to: [{ scriptPubKey: payee.key(0).scriptPubKey, value: 250n * COIN }], feeRate: 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('insufficient-funds');
    // Exactly the balance cannot pay any fee either.
    expect(() => t.wallet.createPayment({ chain: t.chain, to: [{ scriptPubKey: payee.key(0).scriptPubKey, value: 250n * COIN - 100n }], feeRate: 1 })).toThrow(
      expect.objectContaining({ code: 'insufficient-funds' }),
    );
    expect(mempool.size).toBe(0);
    expect(t.chain.utxo.digest()).toBe(digest);
    // No address was handed out: the next payment equals that of a wallet that never failed.
    const options = { chain: t.chain, to: [{ scriptPubKey: payee.key(0).scriptPubKey, value: COIN }], feeRate: 1 };
    expect(bytesToHex(t.wallet.createPayment(options).toBytes())).toBe(bytesToHex(twin.createPayment(options).toBytes()));
  });

  it('refuses bad amounts and fee rates with InputError', () => {
    const to = [{ scriptPubKey: payee.key(0).scriptPubKey, value: COIN }];
    expect(() => t.wallet.createPayment({ chain: t.chain, to: [{ scriptPubKey: payee.key(0).scriptPubKey, value: 0n }], feeRate: 1 })).toThrow(InputError);
    expect(() => t.wallet.createPayment({ chain: t.chain, to, feeRate: -1 })).toThrow(InputError);
    expect(() => t.wallet.createPayment({ chain: t.chain, to, feeRate: Number.NaN })).toThrow(InputError);
    expect(() => t.wallet.createPayment({ chain: t.chain, to: [{ value: COIN }], feeRate: 1 })).toThrow(InputError);
  });

  it('createConflict spends the same coins; the mempool refuses it, a block confirms it and records the double spend', () => {
    const tx = t.wallet.createPayment({ chain: t.chain, mempool, to: [{ scriptPubKey: payee.key(0).scriptPubKey, value: 70n * COIN }], feeRate: 2 });
    mempool.accept(tx);
    const conflict = t.wallet.createConflict(tx, { chain: t.chain, feeRate: 5 });
    const spentBy = (x: Transaction) => x.inputs.map((i) => outpointKey(i.prevout)).sort();
    expect(spentBy(conflict)).toEqual(spentBy(tx));
    expect(conflict.outputs.length).toBe(1);
    expect(t.wallet.isMine(conflict.outputs[0]!.scriptPubKey)).toBeDefined();
    expect(feeRateOf(t, conflict).rate).toBeGreaterThanOrEqual(5);
    expect(() => mempool.accept(conflict)).toThrow(expect.objectContaining({ code: 'txn-mempool-conflict' }));

    t.block('conflict', tip, { txs: [conflict] });
    expect(t.accept('conflict').status).toBe('connected');
    expect(mempool.has(tx.id)).toBe(false);
    expect(mempool.doubleSpends).toEqual([{ txid: tx.id, conflictingTxid: conflict.id, outpoints: expect.any(Array), blockId: t.get('conflict').id }]);
    expect(() => t.wallet.createConflict(conflict, { chain: t.chain, feeRate: 1 })).toThrow(expect.objectContaining({ code: 'no-own-inputs' }));
  });

  it('signs BIP-341 key-path spends that verify against the spent outputs', () => {
    const tx = t.wallet.createPayment({ chain: t.chain, to: [{ scriptPubKey: payee.key(0).scriptPubKey, value: 60n * COIN }], feeRate: 1 });
    const spent = tx.inputs.map((i) => t.chain.getCoin(outpointKey(i.prevout))!);
    const hasher = new TaprootSigHasher(tx, spent);
    tx.inputs.forEach((input, i) => {
      expect(input.witness.length).toBe(1);
      expect(input.witness[0]!.length).toBe(64); // SIGHASH_DEFAULT: no hash type byte
      expect(nobleSchnorr.verify(input.witness[0]!, hasher.sighash(i, 0), spent[i]!.scriptPubKey.subarray(2))).toBe(true);
    });
  });
});

describe('replay', () => {
  it('the same label gives the same keys, and the same payment signs to the same bytes', () => {
    const a = matureChain('replay');
    const b = matureChain('replay');
    for (let i = 0; i < 5; i++) expect(bytesToHex(a.t.wallet.key(i).secretKey)).toBe(bytesToHex(b.t.wallet.key(i).secretKey));
    expect(a.t.get(a.tip).id).toBe(b.t.get(b.tip).id);
    const options = (x: ChainBuilder) => ({ chain: x.chain, to: [{ scriptPubKey: Wallet.fromLabel(EASY, 'payee').key(3).scriptPubKey, value: 77n * COIN }], feeRate: 4 });
    const txA = a.t.wallet.createPayment(options(a.t));
    const txB = b.t.wallet.createPayment(options(b.t));
    expect(bytesToHex(txA.toBytes())).toBe(bytesToHex(txB.toBytes()));
  });

  it('recognises its look-ahead keys before deriving them, and deriveAhead derives them in bounded steps', () => {
    const eager = Wallet.fromLabel(FORKLAB, 'lookahead');
    const far = eager.key(20).scriptPubKey; // index 20 = nextIndex (1) + 19: the last key kept ahead
    expect(Wallet.fromLabel(FORKLAB, 'lookahead').isMine(far)?.index).toBe(20);
    expect(Wallet.fromLabel(FORKLAB, 'lookahead').isMine(eager.key(21).scriptPubKey)).toBeUndefined();
    const stepped = Wallet.fromLabel(FORKLAB, 'lookahead');
    let steps = 0;
    while (!stepped.deriveAhead(4)) steps++;
    expect(steps).toBe(5); // 21 keys, 4 per step: true on the sixth call
    expect(stepped.deriveAhead(4)).toBe(true);
    expect(bytesToHex(stepped.key(20).scriptPubKey)).toBe(bytesToHex(far));
  });

  it('a different label gives different keys', () => {
    expect(Wallet.fromLabel(EASY, 'alice').primary.address).not.toBe(Wallet.fromLabel(EASY, 'bob').primary.address);
  });

  it('the wasm signer produces the same signatures as the reference', () => {
    const { t } = matureChain('signer');
    const wasm = Wallet.fromLabel(EASY, 'signer', wasmSchnorr);
    const coins = t.wallet.listCoins(t.chain).slice(0, 2);
    const outputs = [{ value: 99n * COIN, scriptPubKey: t.wallet.key(7).scriptPubKey }];
    expect(bytesToHex(wasm.signWith(coins, outputs).toBytes())).toBe(bytesToHex(t.wallet.signWith(coins, outputs).toBytes()));
  });
});

// Consensus scenarios in the fullblocktests form: named blocks, a fork diagram per case, the expected outcome.

import { beforeAll, describe, expect, it } from 'vitest';
import { ChainBuilder, EASY, solve } from '../../../test/support/chain-builder.ts';
import { Block } from './block.ts';
import { createForklabNetwork } from './params.ts';
import { nullDataScript } from './script.ts';
import { Transaction, type TxOut } from './tx.ts';
import { Chainstate } from './chainstate.ts';

const MATURITY = EASY.coinbaseMaturity;

function accepted(t: ChainBuilder, name: string): void {
  const r = t.process(name);
  expect(['connected', 'side-branch'], `${name}: ${r.code} ${r.reason}`).toContain(r.status);
}

function rejected(t: ChainBuilder, name: string, code: string): void {
  const before = { tip: t.chain.tip.id, utxo: t.chain.utxo.digest() };
  const r = t.process(name);
  expect(r.status, `${name} should be rejected`).toBe('rejected');
  expect(r.code).toBe(code);
  expect(t.chain.tip.id).toBe(before.tip);
  expect(t.chain.utxo.digest()).toBe(before.utxo);
}

function tipIs(t: ChainBuilder, name: string): void {
  expect(t.chain.tip.id).toBe(t.get(name).id);
}

/** UTXO digest of a fresh chainstate fed the active chain's blocks in order. */
function replayDigest(t: ChainBuilder): string {
  const fresh = new Chainstate(t.params, { now: () => t.now });
  for (let h = 1; h <= t.chain.height; h++) {
    const r = fresh.processBlock(t.chain.getBlock(t.chain.entryAtHeight(h)!.id)!);
    expect(r.status).toBe('connected');
  }
  return fresh.utxo.digest();
}

function withTx(tx: Transaction, changes: Partial<{ outputs: readonly TxOut[]; inputs: Transaction['inputs']; locktime: number }>): Transaction {
  return new Transaction({ version: tx.version, inputs: changes.inputs ?? tx.inputs, outputs: changes.outputs ?? tx.outputs, locktime: changes.locktime ?? tx.locktime });
}

describe('fullblocktests: a mature chain and rules on its tip', () => {
  const t = new ChainBuilder();
  let tip = 'genesis';

  //   genesis -> m1 -> ... -> m(maturity+3)
  beforeAll(() => {
    tip = t.chainOf('m', 'genesis', MATURITY + 3);
    for (let i = 1; i <= MATURITY + 3; i++) accepted(t, `m${i}`);
    tipIs(t, tip);
  });

  it('spends a mature coinbase with a valid Schnorr signature', () => {
    //   ... -> m8 -> s1 (spends m1's coinbase)
    const tx = t.spendCoinbase('m1');
    t.block('s1', tip, { txs: [tx] });
    accepted(t, 's1');
    tipIs(t, 's1');
    expect(t.chain.utxo.get({ txid: tx.txid, vout: 0 })?.value).toBe(tx.outputs[0]!.value);
    tip = 's1';
  });

  it('rejects header-level breaks: high-hash, bad-diffbits, time-too-old, time-too-new, bad-version', () => {
    //   ... -> s1 -> x (each broken in one way)
    t.block('hh', tip, { unsolved: true, mutate: (b) => b.with(unsolvable(b)) });
    rejected(t, 'hh', 'high-hash');
    t.block('bits', tip, { bits: 0x207ffffe });
    rejected(t, 'bits', 'bad-diffbits');
    const mtp = t.chain.medianTimePast(t.chain.tip);
    t.block('old', tip, { time: mtp });
    rejected(t, 'old', 'time-too-old');
    t.block('new', tip, { time: t.now + EASY.maxFutureBlockTime + 1 });
    rejected(t, 'new', 'time-too-new');
    t.block('v1', tip, { version: 1 });
    rejected(t, 'v1', 'bad-version');
  });

  it('rejects merkle breaks: bad-txnmrklroot and the CVE-2012-2459 duplicate', () => {
    const tx = t.spendCoinbase('m2');
    t.block('mr', tip, { txs: [tx], mutate: (b) => b.with(b.header.with({ merkleRoot: new Uint8Array(32).fill(1) })) });
    rejected(t, 'mr', 'bad-txnmrklroot');
    // Two txs [cb, tx, tx2] give a tree whose last pair duplicates: [cb, tx, tx2, tx2] has the same root.
    const tx2 = t.spendCoinbase('m3');
    const good = t.block('dup-src', tip, { txs: [tx, tx2] });
    t.block('dup', tip, { mutate: () => new Block(good.header, [...good.txs, tx2]) });
    rejected(t, 'dup', 'bad-txns-duplicate');
    // The same hash with the right transactions is still accepted: a mutation must not poison the header.
    expect(t.get('dup').id).toBe(good.id);
    accepted(t, 'dup-src');
    tipIs(t, 'dup-src');
    tip = 'dup-src';
  });

  it('rejects coinbase breaks: missing, multiple, height, amount, length', () => {
    const cbOf = (name: string) => t.get(name).txs[0]!;
    t.block('nocb', tip, { mutate: (b) => rebuild(b, [t.spendCoinbase('m4')]) });
    rejected(t, 'nocb', 'bad-cb-missing');
    t.block('twocb', tip, { mutate: (b) => rebuild(b, [b.txs[0]!, cbOf('m5')]) });
    rejected(t, 'twocb', 'bad-cb-multiple');
    t.block('cbh', tip, { coinbaseHeight: 1 });
    rejected(t, 'cbh', 'bad-cb-height');
    t.block('cbamt', tip, { coinbaseExtra: 1n });
    rejected(t, 'cbamt', 'bad-cb-amount');
    t.block('cblen', tip, {
      mutate: (b) => {
        const cb = b.txs[0]!;
        const long = new Transaction({ ...cb, inputs: [{ ...cb.inputs[0]!, scriptSig: new Uint8Array(101) }] });
        return rebuild(b, [long]);
      },
    });
    rejected(t, 'cblen', 'bad-cb-length');
  });

  it('rejects transaction shape breaks (context-free)', () => {
    const base = t.spendCoinbase('m4');
    const cases: [string, Transaction][] = [
      ['bad-txns-vin-empty', withTx(base, { inputs: [] })],
      ['bad-txns-vout-empty', withTx(base, { outputs: [] })],
      ['bad-txns-vout-negative', withTx(base, { outputs: [{ ...base.outputs[0]!, value: -1n }] })],
      ['bad-txns-vout-toolarge', withTx(base, { outputs: [{ ...base.outputs[0]!, value: EASY.maxMoney + 1n }] })],
      ['bad-txns-txouttotal-toolarge', withTx(base, { outputs: [{ ...base.outputs[0]!, value: EASY.maxMoney }, { ...base.outputs[0]!, value: 1n }] })],
      ['bad-txns-inputs-duplicate', withTx(base, { inputs: [base.inputs[0]!, base.inputs[0]!] })],
      ['bad-txns-prevout-null', withTx(base, { inputs: [{ ...base.inputs[0]!, prevout: { txid: new Uint8Array(32), vout: 0xffffffff } }, base.inputs[0]!] })],
    ];
    for (const [code, tx] of cases) {
      t.block(code, tip, { txs: [tx] });
      rejected(t, code, code);
    }
  });

  it('rejects input breaks: missing, premature coinbase spend, in-below-out, bad signature, non-final, unsupported spends', () => {
    // Spend the tip's own coinbase: immature.
    t.block('imm', tip, { txs: [t.spendCoinbase(tip)] });
    rejected(t, 'imm', 'bad-txns-premature-spend-of-coinbase');
    // Spend an output that does not exist.
    const ghost = t.spendCoinbase('m5');
    const missing = withTx(ghost, { inputs: [{ ...ghost.inputs[0]!, prevout: { txid: new Uint8Array(32).fill(9), vout: 0 } }] });
    t.block('miss', tip, { txs: [missing] });
    rejected(t, 'miss', 'bad-txns-inputs-missingorspent');
    // Spend s1's coinbase input again: already spent.
    t.block('spent', tip, { txs: [t.spendCoinbase('m1', { fee: 2000n })] });
    rejected(t, 'spent', 'bad-txns-inputs-missingorspent');
    // Outputs worth more than the inputs (signed, so only the amount rule can fail).
    const cb = t.get('m5').txs[0]!.outputs[0]!;
    t.block('below', tip, { txs: [t.spendCoinbase('m5', { value: cb.value + 1n })] });
    rejected(t, 'below', 'bad-txns-in-belowout');
    // A valid transaction with one signature bit flipped.
    const good = t.spendCoinbase('m5');
    const sig = Uint8Array.from(good.inputs[0]!.witness[0]!);
    sig[10]! ^= 1;
    t.block('sig', tip, { txs: [withTx(good, { inputs: [{ ...good.inputs[0]!, witness: [sig] }] })] });
    rejected(t, 'sig', 'bad-schnorr-sig');
    // Explicit SIGHASH_DEFAULT byte is not allowed in a 65-byte signature.
    t.block('sht', tip, { txs: [withTx(good, { inputs: [{ ...good.inputs[0]!, witness: [new Uint8Array([...good.inputs[0]!.witness[0]!, 0])] }] })] });
    rejected(t, 'sht', 'bad-sighash-type');
    // A script-path spend (two witness items, no annex).
    t.block('path', tip, { txs: [withTx(good, { inputs: [{ ...good.inputs[0]!, witness: [new Uint8Array([0x51]), new Uint8Array(33).fill(0xc0)] }] })] });
    rejected(t, 'path', 'bad-taproot-script-path');
    // Locked until a later height, with a non-final sequence.
    const locked = t.wallet.signWith([{ outpoint: t.coinbaseOutpoint('m5'), ...cb }], [{ value: cb.value - 1000n, scriptPubKey: t.wallet.primary.scriptPubKey }], { locktime: t.chain.height + 5 });
    t.block('nonfinal', tip, { txs: [locked] });
    rejected(t, 'nonfinal', 'bad-txns-nonfinal');
    t.block('ok5', tip, { txs: [good] });
    accepted(t, 'ok5');
    tipIs(t, 'ok5');
    tip = 'ok5';
  });

  it('rejects spends of outputs that are not taproot key-path: bad-txns-unsupported-script', () => {
    //   ... -> ok5 -> pk (pays a P2WPKH-looking output) -> spk (tries to spend it)
    const p2wpkh = new Uint8Array([0x00, 0x14, ...new Uint8Array(20).fill(7)]);
    const cb = t.get('m6').txs[0]!.outputs[0]!;
    const pay = t.wallet.signWith([{ outpoint: t.coinbaseOutpoint('m6'), ...cb }], [{ value: cb.value - 1000n, scriptPubKey: p2wpkh }]);
    t.block('pk', tip, { txs: [pay] });
    accepted(t, 'pk');
    const spendIt = new Transaction({ version: 2, inputs: [{ prevout: { txid: pay.txid, vout: 0 }, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [new Uint8Array(64)] }], outputs: [{ value: 1000n, scriptPubKey: p2wpkh }], locktime: 0 });
    t.block('spk', 'pk', { txs: [spendIt] });
    rejected(t, 'spk', 'bad-txns-unsupported-script');
    tip = 'pk';
  });

  it('checks the witness commitment: bad-witness-merkle-match, unexpected-witness, bad-witness-nonce-size', () => {
    const tx = t.spendCoinbase('m7');
    t.block('wc', tip, {
      txs: [tx],
      mutate: (b) => {
        const cb = b.txs[0]!;
        const outs = cb.outputs.map((o, i) => (i === cb.outputs.length - 1 ? { ...o, scriptPubKey: Uint8Array.from(o.scriptPubKey).fill(0xee, 6) } : o));
        return rebuild(b, [new Transaction({ ...cb, outputs: outs }), ...b.txs.slice(1)]);
      },
    });
    rejected(t, 'wc', 'bad-witness-merkle-match');
    t.block('nowc', tip, { txs: [tx], noCommitment: true });
    rejected(t, 'nowc', 'unexpected-witness');
    t.block('nonce', tip, {
      txs: [tx],
      mutate: (b) => {
        const cb = b.txs[0]!;
        return rebuild(b, [new Transaction({ ...cb, inputs: [{ ...cb.inputs[0]!, witness: [new Uint8Array(31)] }] }), ...b.txs.slice(1)]);
      },
    });
    rejected(t, 'nonce', 'bad-witness-nonce-size');
  });

  it('marks children of an invalid block invalid without validating them', () => {
    //   ... -> pk -> bad (bad-cb-amount) -> child
    t.block('bad', tip, { coinbaseExtra: 1n });
    rejected(t, 'bad', 'bad-cb-amount');
    t.block('child', 'bad');
    rejected(t, 'child', 'bad-prevblk');
    // Offered again, the same verdicts come back.
    expect(t.process('bad').code).toBe('bad-cb-amount');
  });

  it('keeps a block with an unknown parent as an orphan and connects it when the parent arrives', () => {
    //   ... -> pk -> o1 -> o2   (o2 arrives first)
    t.block('o1', tip);
    t.block('o2', 'o1');
    const r = t.process('o2');
    expect(r.status).toBe('orphan');
    expect(r.code).toBe('prev-blk-not-found');
    expect(t.chain.orphanIds()).toContain(t.get('o2').id);
    accepted(t, 'o1');
    tipIs(t, 'o2');
    tip = 'o2';
    expect(t.chain.utxo.digest()).toBe(replayDigest(t));
  });
});

describe('fullblocktests: reorganisations', () => {
  it('follows the most work, keeps the first seen on a tie, and restores the UTXO set on disconnect', () => {
    const t = new ChainBuilder();
    t.chainOf('m', 'genesis', MATURITY + 1);
    for (let i = 1; i <= MATURITY + 1; i++) accepted(t, `m${i}`);
    const top = `m${MATURITY + 1}`;
    const pay = t.spendCoinbase('m1');
    //   top -> b1(pay) -> b2
    //      \-> c1 -> c2        (tie: b2 stays, first seen)
    //                 \-> c3   (more work: reorg of depth 2; pay leaves the chain)
    t.block('b1', top, { txs: [pay] });
    t.block('b2', 'b1');
    t.block('c1', top);
    t.block('c2', 'c1');
    t.block('c3', 'c2');
    const utxoAtTop = t.chain.utxo.digest();
    accepted(t, 'b1');
    accepted(t, 'b2');
    const utxoAtB2 = t.chain.utxo.digest();
    accepted(t, 'c1');
    accepted(t, 'c2');
    tipIs(t, 'b2');
    const reorgs: number[] = [];
    t.chain.events.on('reorg', (e) => reorgs.push(e.depth));
    accepted(t, 'c3');
    tipIs(t, 'c3');
    expect(reorgs).toEqual([2]);
    expect(t.chain.utxo.get({ txid: pay.txid, vout: 0 })).toBeUndefined();
    expect(t.chain.utxo.get(t.coinbaseOutpoint('m1'))).toBeDefined();
    expect(t.chain.utxo.digest()).toBe(replayDigest(t));
    expect(t.chain.utxo.digest()).not.toBe(utxoAtTop);
    //   b2 -> b3 -> b4: back to the b branch (depth 3)
    t.block('b3', 'b2');
    t.block('b4', 'b3');
    accepted(t, 'b3');
    tipIs(t, 'c3');
    accepted(t, 'b4');
    tipIs(t, 'b4');
    expect(reorgs).toEqual([2, 3]);
    expect(t.chain.utxo.get({ txid: pay.txid, vout: 0 })).toBeDefined();
    expect(t.chain.utxo.digest()).toBe(replayDigest(t));
    expect(utxoAtB2).not.toBe(t.chain.utxo.digest());
  });

  it('rolls back to the old tip when a block fails to connect in the middle of a reorg', () => {
    const t = new ChainBuilder();
    t.chainOf('m', 'genesis', MATURITY + 1);
    for (let i = 1; i <= MATURITY + 1; i++) accepted(t, `m${i}`);
    const top = `m${MATURITY + 1}`;
    //   top -> b1 -> b2 -> b3             (tip)
    //      \-> c1 -> c2(bad sig) -> c3 -> c4
    t.chainOf('b', top, 3);
    for (const n of ['b1', 'b2', 'b3']) accepted(t, n);
    const good = t.spendCoinbase('m2');
    const sig = Uint8Array.from(good.inputs[0]!.witness[0]!);
    sig[0]! ^= 0x80;
    const bad = new Transaction({ ...good, inputs: [{ ...good.inputs[0]!, witness: [sig] }] });
    t.block('c1', top);
    t.block('c2', 'c1', { txs: [bad] });
    t.block('c3', 'c2');
    t.block('c4', 'c3');
    const before = t.chain.utxo.digest();
    const events: string[] = [];
    t.chain.events.on('blockConnected', (e) => events.push(`+${e.entry.height}`));
    t.chain.events.on('blockDisconnected', (e) => events.push(`-${e.entry.height}`));
    accepted(t, 'c1');
    accepted(t, 'c2');
    accepted(t, 'c3');
    const r = t.process('c4');
    expect(r.status).toBe('rejected');
    expect(r.code).toBe('bad-prevblk');
    tipIs(t, 'b3');
    expect(t.chain.utxo.digest()).toBe(before);
    expect(t.chain.getEntry(t.get('c2').id)?.invalid).toBe('bad-schnorr-sig');
    expect(t.chain.rejections.at(-1)?.code).toBe('bad-schnorr-sig');
    expect(events).toEqual([]); // no half-done switch was announced
  });

  it('reorganises 1000 blocks deep and back, the UTXO set equal to a replay each way', () => {
    const t = new ChainBuilder();
    //   genesis -> a1 -> ... -> a1000
    //         \-> z1 -> ... -> z1001   (reorg depth 1000)
    //   then a1000 -> a1001 -> a1002    (reorg back, depth 1001)
    const aTip = t.chainOf('a', 'genesis', 1000);
    const zTip = t.chainOf('z', 'genesis', 1001);
    for (let i = 1; i <= 1000; i++) accepted(t, `a${i}`);
    tipIs(t, aTip);
    const digestA = t.chain.utxo.digest();
    const depths: number[] = [];
    t.chain.events.on('reorg', (e) => depths.push(e.depth));
    for (let i = 1; i <= 1001; i++) accepted(t, `z${i}`);
    tipIs(t, zTip);
    expect(depths).toEqual([1000]);
    expect(t.chain.utxo.digest()).toBe(replayDigest(t));
    t.block('a1001', aTip);
    t.block('a1002', 'a1001');
    accepted(t, 'a1001');
    accepted(t, 'a1002');
    tipIs(t, 'a1002');
    expect(depths).toEqual([1000, 1001]);
    expect(t.chain.utxo.digest()).toBe(replayDigest(t));
    expect(t.chain.utxo.size).toBe(1002);
    expect(digestA).not.toBe(t.chain.utxo.digest());
  });
});

describe('fullblocktests: rules that need their own parameters', () => {
  it('bad-txns-BIP30: a transaction may not overwrite an unspent one with the same txid', () => {
    const params = createForklabNetwork({ name: 'no-bip34', genesisBits: 0x207fffff, noRetarget: true, coinbaseMaturity: 5, bip34Height: 1_000_000 });
    const t = new ChainBuilder(params);
    //   genesis -> d1 -> d2 (same coinbase as d1)
    t.block('d1', 'genesis', { coinbaseHeight: 7 });
    accepted(t, 'd1');
    const cb = t.get('d1').txs[0]!;
    t.block('d2', 'd1', { mutate: (b) => rebuild(b, [cb]) });
    rejected(t, 'd2', 'bad-txns-BIP30');
  });

  it('bad-blk-weight: witness data can push a block over the weight limit', () => {
    const params = createForklabNetwork({ name: 'small-blocks', genesisBits: 0x207fffff, noRetarget: true, coinbaseMaturity: 1, maxBlockWeight: 20_000 });
    const t = new ChainBuilder(params);
    t.chainOf('m', 'genesis', 2);
    accepted(t, 'm1');
    accepted(t, 'm2');
    const tx = t.spendCoinbase('m1');
    const annex = new Uint8Array(20_000);
    annex[0] = 0x50;
    // The annex is covered by the signature: re-sign by building the spend with the annex via a mutated witness
    // is not needed here, since the weight rule is checked before signatures.
    const heavy = new Transaction({ ...tx, inputs: [{ ...tx.inputs[0]!, witness: [tx.inputs[0]!.witness[0]!, annex] }] });
    t.block('heavy', 'm2', { txs: [heavy] });
    rejected(t, 'heavy', 'bad-blk-weight');
  });

  it('OP_RETURN outputs carry data and never enter the UTXO set', () => {
    const t = new ChainBuilder();
    t.chainOf('m', 'genesis', MATURITY + 1);
    for (let i = 1; i <= MATURITY + 1; i++) accepted(t, `m${i}`);
    const cb = t.get('m1').txs[0]!.outputs[0]!;
    const data = nullDataScript(new TextEncoder().encode('forklab'));
    const tx = t.wallet.signWith([{ outpoint: t.coinbaseOutpoint('m1'), ...cb }], [{ value: 0n, scriptPubKey: data }, { value: cb.value - 1000n, scriptPubKey: t.wallet.primary.scriptPubKey }]);
    t.block('ret', `m${MATURITY + 1}`, { txs: [tx] });
    accepted(t, 'ret');
    expect(t.chain.utxo.get({ txid: tx.txid, vout: 0 })).toBeUndefined();
    expect(t.chain.utxo.get({ txid: tx.txid, vout: 1 })).toBeDefined();
  });
});

/** A header whose hash misses the target (search nonces until it does). */
function unsolvable(b: Block) {
  let h = b.header;
  const limit = EASY.powLimit;
  for (;;) {
    let n = 0n;
    const hash = h.hash;
    for (let i = 31; i >= 0; i--) n = (n << 8n) | BigInt(hash[i]!);
    if (n > limit) return h;
    h = h.with({ nonce: h.nonce + 1 });
  }
}

/** Replaces a block's transactions, recomputing the merkle root, and solves it again. */
function rebuild(b: Block, txs: Transaction[]): Block {
  const root = new Block(b.header, txs).computeMerkleRoot().root;
  return solve(new Block(b.header.with({ merkleRoot: root }), txs));
}

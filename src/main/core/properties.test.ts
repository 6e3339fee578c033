// Chain invariants on random block trees (ChainBuilder, EASY): the UTXO set equals a replay of the best chain and
// holds exactly the subsidies paid; a mutated block or transaction is rejected without side effects; the mempool
// follows reorgs (detached transactions return unless the new chain conflicts with them).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChainBuilder, EASY } from '../../../test/support/chain-builder.ts';
import { wasmSchnorr } from '../crypto/fast-schnorr.ts';
import { Block } from './block.ts';
import { utf8ToBytes } from './bytes.ts';
import { Chainstate, type ProcessResult } from './chainstate.ts';
import { RuleError } from './errors.ts';
import { sha256 } from './hash.ts';
import type { BlockHeader } from './header.ts';
import { computeMerkleRoot } from './merkle.ts';
import { Mempool } from './mempool.ts';
import { blockSubsidy } from './params.ts';
import { bitsToTarget, hashToBigInt } from './pow.ts';
import { nullDataScript } from './script.ts';
import { SignatureChecker } from './signatures.ts';
import { createCoinbase } from './template.ts';
import { Transaction, outpointKey, type OutPoint, type TxIn, type TxOut } from './tx.ts';
import { Wallet } from './wallet.ts';

const MATURITY = EASY.coinbaseMaturity;

/*
 * Deriving a wallet's keys is the slow part of a ChainBuilder, so each scenario builds its blocks with one builder
 * and every property run feeds them to a fresh Chainstate. Signing and verifying use the libsecp256k1 backend
 * (signatures.test.ts shows it gives the reference implementation's signatures and verdicts).
 */
function freshChain(t: ChainBuilder, names: readonly string[] = []): Chainstate {
  const chain = new Chainstate(t.params, { now: () => t.now, checker: new SignatureChecker(wasmSchnorr) });
  for (const name of names) expect(chain.processBlock(t.get(name)).status, name).toBe('connected');
  return chain;
}

/** Builds `count` empty blocks m1..m(count) on genesis; returns their names. */
function trunk(t: ChainBuilder, count: number): string[] {
  t.chainOf('m', 'genesis', count);
  return Array.from({ length: count }, (_, i) => `m${i + 1}`);
}

/** Signs a spend of outputs the builder's wallet owns, with the fast signer (same keys, same signatures). */
function payFrom(signer: Wallet, coins: readonly { outpoint: OutPoint; value: bigint }[], outputs: readonly TxOut[]): Transaction {
  const script = signer.primary.scriptPubKey;
  return signer.signWith(
    coins.map((c) => ({ outpoint: c.outpoint, value: c.value, scriptPubKey: script })),
    outputs,
  );
}

/** The UTXO set as comparable lines (outpoint, value, height, coinbase flag), sorted. */
function utxoLines(entries: Iterable<[string, { value: bigint; height: number; coinbase: boolean }]>): string[] {
  return [...entries].map(([k, c]) => `${k}|${c.value}|${c.height}|${c.coinbase ? 1 : 0}`).sort();
}

function subsidiesUpTo(height: number): bigint {
  let sum = 0n;
  for (let h = 1; h <= height; h++) sum += blockSubsidy(h, EASY);
  return sum;
}

/** A fresh chainstate fed only the active chain's blocks, in order. */
function replay(chain: Chainstate): Chainstate {
  const fresh = new Chainstate(chain.params, { now: () => 0x7fffffff, checker: chain.checker });
  for (let h = 1; h <= chain.height; h++) {
    const r = fresh.processBlock(chain.getBlock(chain.entryAtHeight(h)!.id)!);
    expect(r.status, `replay of height ${h}: ${r.code ?? ''}`).toBe('connected');
  }
  return fresh;
}

function withInput(tx: Transaction, index: number, change: Partial<TxIn>): Transaction {
  return new Transaction({ ...tx, inputs: tx.inputs.map((i, n) => (n === index ? { ...i, ...change } : i)) });
}

function withOutput(tx: Transaction, index: number, change: Partial<TxOut>): Transaction {
  return new Transaction({ ...tx, outputs: tx.outputs.map((o, n) => (n === index ? { ...o, ...change } : o)) });
}

function flipSignatureByte(tx: Transaction, at: number, mask: number): Transaction {
  const sig = tx.inputs[0]!.witness[0]!.slice();
  sig[at % sig.length]! ^= mask;
  return withInput(tx, 0, { witness: [sig] });
}

/** The same block with its merkle root recomputed (the builder solves proof of work afterwards). */
function withTxs(block: Block, txs: readonly Transaction[]): Block {
  return new Block(block.header.with({ merkleRoot: computeMerkleRoot(txs.map((tx) => tx.txid)).root }), txs);
}

/** A header whose hash misses the target. */
function unsolvable(header: BlockHeader): BlockHeader {
  let h = header;
  while (hashToBigInt(h.hash) <= bitsToTarget(h.bits)) h = h.with({ nonce: h.nonce + 1 });
  return h;
}

// ---------------------------------------------------------------------------------------------------------------
// a. Random block trees: UTXO set = replay of the best chain; total value = subsidies - burned.

interface ModelCoin {
  outpoint: OutPoint;
  value: bigint;
  height: number;
  coinbase: boolean;
}

interface ModelBlock {
  name: string;
  height: number;
  /** Processing order: the first received of two equal-work tips wins. */
  order: number;
  /** The block and all its ancestors follow the rules. */
  valid: boolean;
  /** The builder wallet's UTXO set after this block (every output pays that wallet). */
  coins: Map<string, ModelCoin>;
  /** Keys of coins spent on this branch, up to and including this block. */
  spent: Set<string>;
  /** Value sent to OP_RETURN outputs on this branch. */
  burned: bigint;
}

interface Step {
  /** Distance back from the newest block to the parent. */
  parent: number;
  /** Picks among the parent's mature coins, one transaction each. */
  spends: number[];
  outputs: number;
  fee: number;
  burn: 'none' | 'zero' | 'value';
  /** Also respend a coin this branch already spent (the block is invalid). */
  doubleSpend: boolean;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  parent: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 1 }) }, { weight: 1, arbitrary: fc.nat({ max: 60 }) }),
  spends: fc.array(fc.nat(), { maxLength: 3 }),
  outputs: fc.integer({ min: 1, max: 3 }),
  fee: fc.integer({ min: 200, max: 5000 }),
  burn: fc.constantFrom('none', 'none', 'zero', 'value'),
  doubleSpend: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
});

class TreeModel {
  readonly t: ChainBuilder;
  readonly signer: Wallet;
  readonly chain: Chainstate;
  readonly blocks = new Map<string, ModelBlock>();
  /** Every coin ever created, by key. */
  readonly created = new Map<string, ModelCoin>();

  constructor(t: ChainBuilder, signer: Wallet) {
    this.t = t;
    this.signer = signer;
    this.chain = freshChain(t);
    this.blocks.set('genesis', { name: 'genesis', height: 0, order: 0, valid: true, coins: new Map(), spent: new Set(), burned: 0n });
  }

  /** The valid block with most work (all blocks have the same bits: the highest), first received on a tie. */
  expectedTip(): ModelBlock {
    let best = this.blocks.get('genesis')!;
    for (const b of this.blocks.values()) if (b.valid && (b.height > best.height || (b.height === best.height && b.order < best.order))) best = b;
    return best;
  }

  addOutputs(target: Map<string, ModelCoin>, tx: Transaction, height: number): void {
    tx.outputs.forEach((o, vout) => {
      if (o.scriptPubKey[0] === 0x6a) return; // OP_RETURN: never a coin
      const coin = { outpoint: { txid: tx.txid, vout }, value: o.value, height, coinbase: tx.isCoinbase() };
      target.set(outpointKey(coin.outpoint), coin);
      this.created.set(outpointKey(coin.outpoint), coin);
    });
  }

  /** Builds and processes one block as `s` says; returns its model entry and the chain's verdict. */
  step(s: Step): { model: ModelBlock; result: ProcessResult } {
    const names = [...this.blocks.keys()];
    const parent = this.blocks.get(names[names.length - 1 - (s.parent % names.length)]!)!;
    const name = `b${this.blocks.size}`;
    const height = parent.height + 1;
    const coins = new Map(parent.coins);
    const spent = new Set(parent.spent);
    let burned = parent.burned;
    let valid = parent.valid;
    const script = this.t.wallet.primary.scriptPubKey;

    const spendable = [...parent.coins.values()].filter((c) => (!c.coinbase || height - c.height >= MATURITY) && c.value > 20_000n);
    const txs: Transaction[] = [];
    s.spends.forEach((pick, i) => {
      if (spendable.length === 0) return;
      const coin = spendable.splice(pick % spendable.length, 1)[0]!;
      const burnValue = i === 0 && s.burn === 'value' ? 1_234n + BigInt(s.fee) : 0n;
      const each = (coin.value - BigInt(s.fee) - burnValue) / BigInt(s.outputs);
      const outputs: TxOut[] = Array.from({ length: s.outputs }, () => ({ value: each, scriptPubKey: script }));
      if (i === 0 && s.burn !== 'none') outputs.push({ value: burnValue, scriptPubKey: nullDataScript(utf8ToBytes(name)) });
      const tx = payFrom(this.signer, [coin], outputs);
      txs.push(tx);
      coins.delete(outpointKey(coin.outpoint));
      spent.add(outpointKey(coin.outpoint));
      burned += burnValue;
      this.addOutputs(coins, tx, height);
    });
    if (s.doubleSpend && parent.spent.size > 0) {
      const keys = [...parent.spent];
      const coin = this.created.get(keys[(s.fee + s.parent) % keys.length]!)!;
      txs.push(payFrom(this.signer, [coin], [{ value: coin.value - 7_777n, scriptPubKey: script }]));
      valid = false;
    }

    const block = this.t.block(name, parent.name, { txs });
    this.addOutputs(coins, block.txs[0]!, height);
    const model: ModelBlock = { name, height, order: this.blocks.size, valid, coins, spent, burned };
    this.blocks.set(name, model);
    return { model, result: this.chain.processBlock(block) };
  }
}

describe('a. random block trees', () => {
  const t = new ChainBuilder(EASY, 'tree');
  const signer = Wallet.fromLabel(EASY, 'tree', wasmSchnorr);

  it('the UTXO set equals the model and a replay of the best chain; its value is the subsidies paid minus burns', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 15, maxLength: 40 }), (steps) => {
        const m = new TreeModel(t, signer);
        const { chain } = m;
        // A common trunk first, so that coins are mature when the random part begins.
        const trunkSteps: Step[] = Array.from({ length: MATURITY + 1 }, () => ({ parent: 0, spends: [], outputs: 1, fee: 0, burn: 'none', doubleSpend: false }));
        for (const s of [...trunkSteps, ...steps]) {
          const { model, result } = m.step(s);
          const expected = m.expectedTip();
          if (model.valid) {
            expect(result.status, `${model.name}: ${result.code ?? ''} ${result.reason ?? ''}`).toBe(expected === model ? 'connected' : 'side-branch');
          } else {
            // Unknown-invalid (stored), found invalid, or a child of a block refused as bad-prevblk (an orphan, as in Core).
            expect(['side-branch', 'rejected', 'orphan'], `${model.name} is invalid`).toContain(result.status);
          }
          expect(chain.tip.id, `tip after ${model.name}`).toBe(t.get(expected.name).id);
          expect(utxoLines(chain.utxo.entries())).toEqual(utxoLines([...expected.coins].map(([k, c]) => [k, c])));
          expect(chain.utxo.totalValue()).toBe(subsidiesUpTo(expected.height) - expected.burned);
        }
        const fresh = replay(chain);
        expect(fresh.tip.id).toBe(chain.tip.id);
        expect(fresh.utxo.digest()).toBe(chain.utxo.digest());
      }),
      { seed: 42, numRuns: 25 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// b. Mutations: a broken block or transaction is rejected with a RuleError and changes nothing.

interface BlockCase {
  t: ChainBuilder;
  chain: Chainstate;
  tip: string;
  height: number;
  a: Transaction;
  b: Transaction;
  valid: Block;
}

/**
 *   genesis -> m1 -> ... -> m7 -> valid  (spends the coinbases of m1 and m2)
 *                              \-> x     (valid, mutated once)
 */
const blockBase = (() => {
  let base: Omit<BlockCase, 'chain'> & { names: string[] };
  return () => {
    if (!base) {
      const t = new ChainBuilder(EASY, 'mutations');
      const names = trunk(t, MATURITY + 2);
      const tip = names[names.length - 1]!;
      const a = t.spendCoinbase('m1');
      const b = t.spendCoinbase('m2', { outputs: 2 });
      base = { t, names, tip, height: t.heightOf(tip) + 1, a, b, valid: t.block('valid', tip, { txs: [a, b] }) };
    }
    return base;
  };
})();

function blockCase(): BlockCase {
  const base = blockBase();
  return { ...base, chain: freshChain(base.t, base.names) };
}

interface Noise {
  n: number;
  byte: number;
}

interface BlockMutation {
  name: string;
  codes: string[];
  build: (c: BlockCase, r: Noise) => Block;
}

const blockMutations: BlockMutation[] = [
  { name: 'flip a signature byte', codes: ['bad-schnorr-sig'], build: (c, r) => c.t.block('x', c.tip, { txs: [flipSignatureByte(c.a, r.n, r.byte), c.b] }) },
  {
    // The txid ignores the witness: same merkle root, same block hash, only the witness commitment breaks.
    name: 'flip a signature byte, header kept',
    codes: ['bad-witness-merkle-match'],
    build: (c, r) => new Block(c.valid.header, [c.valid.txs[0]!, flipSignatureByte(c.a, r.n, r.byte), c.b]),
  },
  {
    name: 'change the witness reserved value, header kept',
    codes: ['bad-witness-merkle-match'],
    build: (c, r) => {
      const cb = c.valid.txs[0]!;
      const coinbase = withInput(cb, 0, { witness: [sha256(new Uint8Array([r.byte, r.n & 0xff]))] });
      return new Block(c.valid.header, [coinbase, ...c.valid.txs.slice(1)]);
    },
  },
  { name: 'raise an output value', codes: ['bad-schnorr-sig'], build: (c, r) => c.t.block('x', c.tip, { txs: [withOutput(c.a, 0, { value: c.a.outputs[0]!.value + 1n + BigInt(r.n % 1000) }), c.b] }) },
  { name: 'pay out more than the inputs', codes: ['bad-txns-in-belowout'], build: (c, r) => c.t.block('x', c.tip, { txs: [c.a, withOutput(c.b, 1, { value: 50n * 100_000_000n + BigInt(r.n) })] }) },
  { name: 'a negative output value', codes: ['bad-txns-vout-negative'], build: (c, r) => c.t.block('x', c.tip, { txs: [withOutput(c.a, 0, { value: -1n - BigInt(r.n) }), c.b] }) },
  { name: 'raise the coinbase value', codes: ['bad-cb-amount'], build: (c, r) => c.t.block('x', c.tip, { txs: [c.a, c.b], coinbaseExtra: 1n + BigInt(r.n % 100_000) }) },
  {
    name: 'duplicate a transaction',
    codes: ['bad-txns-duplicate', 'bad-txns-BIP30', 'bad-txns-inputs-missingorspent'],
    build: (c, r) => {
      const txs = [c.a, c.b];
      txs.splice(1 + (r.n % 2), 0, txs[r.byte % 2]!);
      return c.t.block('x', c.tip, { txs });
    },
  },
  {
    // CVE-2012-2459: [coinbase, a, b, b] has the merkle root of [coinbase, a, b], so the block hash is that of `valid`.
    name: 'duplicate the last transaction, header kept',
    codes: ['bad-txns-duplicate'],
    build: (c) => new Block(c.valid.header, [...c.valid.txs, c.b]),
  },
  { name: 'drop the witness commitment', codes: ['unexpected-witness'], build: (c) => c.t.block('x', c.tip, { txs: [c.a, c.b], noCommitment: true }) },
  {
    name: 'change the merkle root',
    codes: ['bad-txnmrklroot'],
    build: (c, r) => c.t.block('x', c.tip, { txs: [c.a, c.b], mutate: (b) => b.with(b.header.with({ merkleRoot: sha256(new Uint8Array([r.n & 0xff, r.byte])) })) }),
  },
  { name: 'change bits', codes: ['bad-diffbits'], build: (c, r) => c.t.block('x', c.tip, { txs: [c.a, c.b], bits: [0x207ffffe, 0x2000ffff, 0x1f7fffff, 0x217fffff][r.n % 4]! }) },
  { name: 'set time at or before the median time past', codes: ['time-too-old'], build: (c, r) => c.t.block('x', c.tip, { txs: [c.a, c.b], time: c.chain.medianTimePast(c.chain.tip) - (r.n % 3) }) },
  { name: 'set time too far ahead', codes: ['time-too-new'], build: (c, r) => c.t.block('x', c.tip, { txs: [c.a, c.b], time: c.t.now + EASY.maxFutureBlockTime + 1 + (r.n % 1000) }) },
  { name: 'use an obsolete version', codes: ['bad-version'], build: (c, r) => c.t.block('x', c.tip, { txs: [c.a, c.b], version: 1 + (r.n % 3) }) },
  {
    name: 'change the coinbase height',
    codes: ['bad-cb-height'],
    build: (c, r) => c.t.block('x', c.tip, { txs: [c.a, c.b], coinbaseHeight: r.byte % 2 === 0 ? c.height + 1 + (r.n % 100) : r.n % c.height }),
  },
  { name: 'spend an immature coinbase', codes: ['bad-txns-premature-spend-of-coinbase'], build: (c) => c.t.block('x', c.tip, { txs: [c.a, c.t.spendCoinbase(c.tip)] }) },
  {
    name: 'spend a coin that does not exist',
    codes: ['bad-txns-inputs-missingorspent'],
    build: (c, r) => {
      const ghost = { outpoint: { txid: sha256(new Uint8Array([r.byte, r.n & 0xff])), vout: r.n % 3 }, value: 100_000n, scriptPubKey: c.t.wallet.primary.scriptPubKey };
      return c.t.block('x', c.tip, { txs: [c.a, c.t.wallet.signWith([ghost], [{ value: 90_000n, scriptPubKey: ghost.scriptPubKey }])] });
    },
  },
  { name: 'spend one coin twice', codes: ['bad-txns-inputs-missingorspent'], build: (c, r) => c.t.block('x', c.tip, { txs: [c.a, c.t.spendCoinbase('m1', { fee: 2_000n + BigInt(r.n % 1000) })] }) },
  {
    name: 'append an annex the signature does not commit to',
    codes: ['bad-schnorr-sig'],
    build: (c, r) => c.t.block('x', c.tip, { txs: [withInput(c.a, 0, { witness: [c.a.inputs[0]!.witness[0]!, new Uint8Array([0x50, r.byte])] }), c.b] }),
  },
  {
    name: 'add a witness item (a script-path spend)',
    codes: ['bad-taproot-script-path'],
    build: (c, r) => c.t.block('x', c.tip, { txs: [withInput(c.a, 0, { witness: [new Uint8Array([r.byte & 0x4f]), c.a.inputs[0]!.witness[0]!] }), c.b] }),
  },
  { name: 'drop a witness', codes: ['bad-witness-empty'], build: (c) => c.t.block('x', c.tip, { txs: [c.a, withInput(c.b, 0, { witness: [] })] }) },
  { name: 'miss the proof-of-work target', codes: ['high-hash'], build: (c) => c.t.block('x', c.tip, { txs: [c.a, c.b], unsolved: true, mutate: (b) => b.with(unsolvable(b.header)) }) },
  { name: 'leave out the coinbase', codes: ['bad-cb-missing'], build: (c) => c.t.block('x', c.tip, { txs: [c.a, c.b], mutate: (b) => withTxs(b, b.txs.slice(1)) }) },
  {
    name: 'add a second coinbase',
    codes: ['bad-cb-multiple'],
    build: (c, r) =>
      c.t.block('x', c.tip, {
        txs: [c.a, c.b],
        mutate: (b) => withTxs(b, [...b.txs, createCoinbase({ height: c.height, payoutScript: c.t.wallet.primary.scriptPubKey, value: 1n, extra: new Uint8Array([r.byte, 1]) })]),
      }),
  },
];

describe('b. a mutated block is rejected and changes nothing', () => {
  const noise = fc.record({ n: fc.nat(), byte: fc.integer({ min: 1, max: 255 }) });

  it.each(blockMutations)('$name', (mutation) => {
    fc.assert(
      fc.property(noise, (r) => {
        const c = blockCase();
        const before = { tip: c.chain.tip.id, utxo: c.chain.utxo.digest(), size: c.chain.utxo.size };
        const mutated = mutation.build(c, r);
        const result = c.chain.processBlock(mutated);
        expect(result.status, `${result.code ?? ''} ${result.reason ?? ''}`).toBe('rejected');
        expect(mutation.codes).toContain(result.code);
        expect(c.chain.tip.id).toBe(before.tip);
        expect(c.chain.utxo.digest()).toBe(before.utxo);
        expect(c.chain.utxo.size).toBe(before.size);
        // The valid block is still accepted, even when the mutated one had the same hash.
        const ok = c.chain.processBlock(c.valid);
        expect(ok.status, `${ok.code ?? ''} ${ok.reason ?? ''}`).toBe('connected');
      }),
      { seed: 42, numRuns: 3 },
    );
  });
});

interface MempoolCase {
  t: ChainBuilder;
  chain: Chainstate;
  mempool: Mempool;
  /** Valid, not yet offered. */
  tx: Transaction;
  /** Already in the mempool. */
  other: Transaction;
}

const mempoolBase = (() => {
  let base: { t: ChainBuilder; names: string[]; tx: Transaction; other: Transaction };
  return () => {
    if (!base) {
      const t = new ChainBuilder(EASY, 'mempool-mutations');
      const names = trunk(t, MATURITY + 2);
      base = { t, names, tx: t.spendCoinbase('m1'), other: t.spendCoinbase('m2', { outputs: 2 }) };
    }
    return base;
  };
})();

function mempoolCase(): MempoolCase {
  const base = mempoolBase();
  const chain = freshChain(base.t, base.names);
  const mempool = new Mempool(chain, { now: () => base.t.now });
  mempool.accept(base.other);
  return { ...base, chain, mempool };
}

interface TxMutation {
  name: string;
  codes: string[];
  build: (c: MempoolCase, r: Noise) => Transaction;
}

const txMutations: TxMutation[] = [
  { name: 'flip a signature byte', codes: ['bad-schnorr-sig'], build: (c, r) => flipSignatureByte(c.tx, r.n, r.byte) },
  { name: 'raise an output value', codes: ['bad-schnorr-sig'], build: (c, r) => withOutput(c.tx, 0, { value: c.tx.outputs[0]!.value + 1n + BigInt(r.n % 500) }) },
  { name: 'pay out more than the input', codes: ['bad-txns-in-belowout'], build: (c, r) => withOutput(c.tx, 0, { value: 50n * 100_000_000n + BigInt(r.n) }) },
  { name: 'a negative output', codes: ['bad-txns-vout-negative'], build: (c, r) => withOutput(c.tx, 0, { value: -1n - BigInt(r.n) }) },
  { name: 'an output above the money supply', codes: ['bad-txns-vout-toolarge'], build: (c, r) => withOutput(c.tx, 0, { value: EASY.maxMoney + 1n + BigInt(r.n) }) },
  { name: 'no outputs', codes: ['bad-txns-vout-empty'], build: (c) => new Transaction({ ...c.tx, outputs: [] }) },
  { name: 'no inputs', codes: ['bad-txns-vin-empty'], build: (c) => new Transaction({ ...c.tx, inputs: [] }) },
  { name: 'the same input twice', codes: ['bad-txns-inputs-duplicate'], build: (c) => new Transaction({ ...c.tx, inputs: [c.tx.inputs[0]!, c.tx.inputs[0]!] }) },
  { name: 'drop the witness', codes: ['bad-witness-empty'], build: (c) => withInput(c.tx, 0, { witness: [] }) },
  { name: 'append an annex', codes: ['bad-schnorr-sig'], build: (c, r) => withInput(c.tx, 0, { witness: [...c.tx.inputs[0]!.witness, new Uint8Array([0x50, r.byte])] }) },
  { name: 'add a witness item', codes: ['bad-taproot-script-path'], build: (c, r) => withInput(c.tx, 0, { witness: [new Uint8Array([r.byte & 0x4f]), ...c.tx.inputs[0]!.witness] }) },
  {
    name: 'append a hash type byte',
    codes: ['bad-schnorr-sig', 'bad-sighash-type'],
    build: (c, r) => withInput(c.tx, 0, { witness: [new Uint8Array([...c.tx.inputs[0]!.witness[0]!, [0x00, 0x01, 0x02, 0x03, 0x81, 0x04, 0x80, r.byte][r.n % 8]!])] }),
  },
  { name: 'a non-empty scriptSig', codes: ['bad-witness-scriptsig'], build: (c, r) => withInput(c.tx, 0, { scriptSig: new Uint8Array([0x01, r.byte]) }) },
  { name: 'spend a coin that does not exist', codes: ['bad-txns-inputs-missingorspent'], build: (c, r) => withInput(c.tx, 0, { prevout: { txid: sha256(new Uint8Array([r.byte])), vout: r.n % 4 } }) },
  { name: 'spend an immature coinbase', codes: ['bad-txns-premature-spend-of-coinbase'], build: (c, r) => c.t.spendCoinbase(`m${MATURITY + 1 + (r.n % 2)}`) },
  { name: 'a future lock time', codes: ['non-final'], build: (c, r) => new Transaction({ ...c.tx, locktime: c.chain.height + 2 + (r.n % 100) }) },
  { name: 'a fee below the relay minimum', codes: ['min-relay-fee-not-met'], build: (c, r) => c.t.spendCoinbase('m1', { fee: BigInt(r.n % 100) }) },
  { name: 'a coinbase', codes: ['coinbase'], build: (c) => c.t.get('m3').txs[0]! },
  { name: 'spend what a mempool transaction spends', codes: ['txn-mempool-conflict'], build: (c, r) => c.t.spendCoinbase('m2', { fee: 3_000n + BigInt(r.n % 1000) }) },
];

describe('b. a mutated transaction is refused by the mempool, which stays as it was', () => {
  const noise = fc.record({ n: fc.nat(), byte: fc.integer({ min: 1, max: 255 }) });

  it.each(txMutations)('$name', (mutation) => {
    fc.assert(
      fc.property(noise, (r) => {
        const c = mempoolCase();
        const events: string[] = [];
        c.mempool.events.on('added', ({ entry }) => events.push(`added ${entry.txid}`));
        c.mempool.events.on('removed', ({ txid }) => events.push(`removed ${txid}`));
        const before = { size: c.mempool.size, vsize: c.mempool.vsize, utxo: c.chain.utxo.digest() };
        const mutated = mutation.build(c, r);
        let error: unknown;
        try {
          c.mempool.accept(mutated);
        } catch (e) {
          error = e;
        }
        expect(error, 'expected a RuleError').toBeInstanceOf(RuleError);
        expect(mutation.codes).toContain((error as RuleError).code);
        expect(events).toEqual([]);
        expect({ size: c.mempool.size, vsize: c.mempool.vsize, utxo: c.chain.utxo.digest() }).toEqual(before);
        expect(c.mempool.has(c.other.id)).toBe(true);
        expect(c.mempool.has(mutated.id)).toBe(c.other.id === mutated.id);
        // The original is still welcome.
        c.mempool.accept(c.tx);
        expect(c.mempool.size).toBe(before.size + 1);
      }),
      { seed: 42, numRuns: 3 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// c. The mempool across a reorg.
//
//   genesis -> m1 -> ... -> m13 -> A1 -> A2              (A1: the "A" spends, A2: children of some of them)
//                               \-> B1 -> B2 -> B3       (B1: the "B" spends; B3 makes B the best chain)
//
// Each mature coin m_i gets a fate:
//   a-only        spent in A1 only                       -> back in the mempool after the reorg
//   a-child       spent in A1, its output spent in A2     -> both back in the mempool
//   both          the same transaction in A1 and B1       -> confirmed, not in the mempool
//   conflict      spent in A1, spent differently in B1    -> a double spend, not in the mempool
//   conflict-child  as conflict, with a child in A2       -> the child cannot return either
//   b-only        spent in B1 only                        -> nothing to do
//   pool          spent by a mempool transaction          -> stays in the mempool
//   pool-conflict spent by a mempool transaction and B1   -> a double spend, removed
//   none          not spent

const FATES = ['a-only', 'a-child', 'both', 'conflict', 'conflict-child', 'b-only', 'pool', 'pool-conflict', 'none'] as const;
type Fate = (typeof FATES)[number];

/** The trunk and, for each of its first coins, the transactions a fate may use (signed once, reused by every run). */
const reorgBase = (() => {
  let base: { t: ChainBuilder; names: string[]; tip: string; spends: { inA: Transaction; inB: Transaction; inPool: Transaction; child: Transaction }[] };
  return () => {
    if (!base) {
      const t = new ChainBuilder(EASY, 'reorg');
      const signer = Wallet.fromLabel(EASY, 'reorg', wasmSchnorr);
      const names = trunk(t, MATURITY + 8);
      const spend = (coin: { outpoint: OutPoint; value: bigint }, fee: bigint) =>
        payFrom(signer, [coin], [{ value: coin.value - fee, scriptPubKey: signer.primary.scriptPubKey }]);
      const spends = names.slice(0, 8).map((name) => {
        const cb = t.get(name).txs[0]!;
        const coin = { outpoint: { txid: cb.txid, vout: 0 }, value: cb.outputs[0]!.value };
        const inA = spend(coin, 1_000n);
        return {
          inA,
          inB: spend(coin, 3_000n),
          inPool: spend(coin, 2_000n),
          child: spend({ outpoint: { txid: inA.txid, vout: 0 }, value: inA.outputs[0]!.value }, 1_500n),
        };
      });
      base = { t, names, tip: names[names.length - 1]!, spends };
    }
    return base;
  };
})();

describe('c. the mempool on reorg', () => {
  it('detached transactions return unless the new chain conflicts with them; conflicts are recorded', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...FATES), { minLength: 8, maxLength: 8 }), (fates: Fate[]) => {
        const { t, names, tip, spends } = reorgBase();
        const chain = freshChain(t, names);
        const mempool = new Mempool(chain, { now: () => t.now });

        const a1: Transaction[] = [];
        const a2: Transaction[] = [];
        const b1: Transaction[] = [];
        const pool: Transaction[] = [];
        const expectIn: Transaction[] = [];
        const expectOut: Transaction[] = [];
        const expectConflicts: { txid: string; conflictingTxid: string }[] = [];
        fates.forEach((fate, n) => {
          const { inA, inB, inPool, child } = spends[n]!;
          switch (fate) {
            case 'a-only':
              a1.push(inA);
              expectIn.push(inA);
              break;
            case 'a-child':
              a1.push(inA);
              a2.push(child);
              expectIn.push(inA, child);
              break;
            case 'both':
              a1.push(inA);
              b1.push(inA);
              expectOut.push(inA);
              break;
            case 'conflict':
              a1.push(inA);
              b1.push(inB);
              expectOut.push(inA);
              expectConflicts.push({ txid: inA.id, conflictingTxid: inB.id });
              break;
            case 'conflict-child':
              a1.push(inA);
              a2.push(child);
              b1.push(inB);
              expectOut.push(inA, child);
              expectConflicts.push({ txid: inA.id, conflictingTxid: inB.id });
              break;
            case 'b-only':
              b1.push(inB);
              break;
            case 'pool':
              pool.push(inPool);
              expectIn.push(inPool);
              break;
            case 'pool-conflict':
              pool.push(inPool);
              b1.push(inB);
              expectOut.push(inPool);
              expectConflicts.push({ txid: inPool.id, conflictingTxid: inB.id });
              break;
            case 'none':
              break;
          }
        });

        const blocks = {
          A1: t.block('A1', tip, { txs: a1 }),
          A2: t.block('A2', 'A1', { txs: a2 }),
          B1: t.block('B1', tip, { txs: b1 }),
          B2: t.block('B2', 'B1'),
          B3: t.block('B3', 'B2'),
        };
        expect(chain.processBlock(blocks.A1).status).toBe('connected');
        expect(chain.processBlock(blocks.A2).status).toBe('connected');
        for (const tx of pool) mempool.accept(tx);
        expect(mempool.size).toBe(pool.length);

        const reorgs: number[] = [];
        chain.events.on('reorg', ({ depth }) => reorgs.push(depth));
        expect(chain.processBlock(blocks.B1).status).toBe('side-branch');
        expect(chain.processBlock(blocks.B2).status).toBe('side-branch');
        expect(chain.processBlock(blocks.B3).status).toBe('connected');
        expect(reorgs).toEqual([2]);
        expect(chain.tip.id).toBe(blocks.B3.id);

        for (const tx of expectIn) expect(mempool.has(tx.id), `${tx.id} should be in the mempool`).toBe(true);
        for (const tx of expectOut) expect(mempool.has(tx.id), `${tx.id} should not be in the mempool`).toBe(false);
        expect(mempool.size).toBe(expectIn.length);
        const recorded = mempool.doubleSpends.map((d) => ({ txid: d.txid, conflictingTxid: d.conflictingTxid }));
        for (const c of expectConflicts) expect(recorded).toContainEqual(c);
        const innocent = new Set([...expectIn, ...b1].map((tx) => tx.id));
        for (const d of mempool.doubleSpends) {
          expect(innocent.has(d.txid), `${d.txid} is recorded as a double spend`).toBe(false);
          expect(d.blockId).toBe(blocks.B1.id);
        }
        // Every mempool transaction spends coins of the new chain or of other mempool transactions.
        for (const entry of mempool.all()) {
          for (const input of entry.tx.inputs) {
            const key = outpointKey(input.prevout);
            expect(chain.getCoin(key) ?? mempool.unconfirmedCoin(key), `${entry.txid} spends ${key}`).toBeDefined();
          }
        }
      }),
      { seed: 42, numRuns: 15 },
    );
  });
});

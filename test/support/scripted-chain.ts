// A best chain of hand-made blocks, reported through the chain events the explorer index subscribes to.

import { Block } from '../../src/main/core/block.ts';
import type { BlockEntry, ChainEvents } from '../../src/main/core/chainstate.ts';
import { Emitter } from '../../src/main/core/events.ts';
import { BlockHeader } from '../../src/main/core/header.ts';
import type { NetworkParams } from '../../src/main/core/params.ts';
import { Rng } from '../../src/main/core/rng.ts';
import { NULL_TXID, SEQUENCE_FINAL, Transaction, type OutPoint } from '../../src/main/core/tx.ts';
import type { Coin } from '../../src/main/core/utxo.ts';
import type { BlockUndo } from '../../src/main/core/validate.ts';
import type { ChainSource } from '../../src/main/indexer/ingest.ts';

/**
 * Blocks are not mined or validated (the index does neither): tests and benchmarks state exactly the
 * transaction graph and amounts they want, and the index sees the same events a node's chainstate emits.
 */
export class ScriptedChain implements ChainSource {
  readonly events = new Emitter<ChainEvents>();
  readonly params: NetworkParams;
  private readonly active: BlockEntry[] = [];
  private readonly blocks = new Map<string, Block>();
  private readonly undos = new Map<string, BlockUndo>();
  /** Keep every block, or only the newest (a million transactions then fit in memory: the index reads a block only while handling the event that reports it). */
  private readonly keepAll: boolean;

  constructor(params: NetworkParams, o: { keep?: 'all' | 'newest' } = {}) {
    this.params = params;
    this.keepAll = o.keep !== 'newest';
    const g = params.genesis;
    this.active.push({ id: g.id, hash: g.hash, header: g.header, height: 0, chainWork: 1n, parent: null, sequence: 0, hasData: true, invalid: null, children: [] });
    this.blocks.set(g.id, g);
  }

  get height(): number {
    return this.active.length - 1;
  }
  entryAtHeight(h: number): BlockEntry | undefined {
    return this.active[h];
  }
  isInActiveChain(e: BlockEntry): boolean {
    return this.active[e.height] === e;
  }
  tips(): BlockEntry[] {
    return [this.active[this.active.length - 1]!];
  }
  getBlock(id: string): Block | undefined {
    return this.blocks.get(id);
  }
  getUndo(id: string): BlockUndo | undefined {
    return this.undos.get(id);
  }
  getEntry(id: string): BlockEntry | undefined {
    return this.active.find((e) => e.id === id);
  }

  /** Appends a block holding `txs` (a coinbase first) to the best chain and reports it. */
  append(txs: readonly Transaction[], undo?: BlockUndo): BlockEntry {
    const parent = this.active[this.active.length - 1]!;
    const height = parent.height + 1;
    const header = new BlockHeader({ version: 4, prevHash: parent.hash, merkleRoot: new Uint8Array(32), time: parent.header.time + 600, bits: parent.header.bits, nonce: height });
    const block = new Block(header, txs);
    const entry: BlockEntry = { id: block.id, hash: block.hash, header, height, chainWork: parent.chainWork + 1n, parent, sequence: height, hasData: true, invalid: null, children: [] };
    parent.children.push(entry);
    this.active.push(entry);
    if (!this.keepAll) {
      this.blocks.clear();
      this.undos.clear();
    }
    this.blocks.set(entry.id, block);
    if (undo) this.undos.set(entry.id, undo);
    this.events.emit('blockConnected', { entry, block });
    this.events.emit('tipChanged', { tip: entry, previous: parent });
    this.events.emit('blockAccepted', { entry, block, status: 'connected' });
    return entry;
  }
}

interface Spendable {
  outpoint: OutPoint;
  coin: Coin;
}

/**
 * Synthetic payments for benchmarks: two-in, two-out transactions spending random earlier outputs to p2wpkh
 * scripts from a fixed pool, with the undo data a node would report. Witnesses are 64 random-looking bytes
 * (a Schnorr signature's size): the index does not verify.
 */
export class SyntheticPayments {
  private readonly rng: Rng;
  private readonly scripts: Uint8Array[];
  private readonly unspent: Spendable[] = [];
  private readonly witness: Uint8Array;

  constructor(seed: string, addresses = 20_000) {
    this.rng = new Rng(seed);
    this.scripts = Array.from({ length: addresses }, () => Uint8Array.of(0x00, 0x14, ...this.rng.bytes(20)));
    this.witness = this.rng.bytes(64);
  }

  private script(): Uint8Array {
    return this.scripts[this.rng.int(this.scripts.length)]!;
  }

  private take(): Spendable {
    const i = this.rng.int(this.unspent.length);
    const s = this.unspent[i]!;
    this.unspent[i] = this.unspent[this.unspent.length - 1]!;
    this.unspent.pop();
    return s;
  }

  /** A block's transactions at `height`: a coinbase with `coinbaseOutputs` outputs, then up to `count` payments. */
  block(height: number, count: number, coinbaseOutputs = 1): { txs: Transaction[]; undo: BlockUndo } {
    const coinbase = new Transaction({
      version: 2,
      inputs: [{ prevout: { txid: NULL_TXID, vout: 0xffffffff }, scriptSig: Uint8Array.of(3, height & 0xff, (height >> 8) & 0xff, height >> 16), sequence: SEQUENCE_FINAL, witness: [] }],
      outputs: Array.from({ length: coinbaseOutputs }, () => ({ value: 5_000_000n, scriptPubKey: this.script() })),
      locktime: 0,
    });
    const txs = [coinbase];
    const spent: Coin[][] = [];
    const created: Spendable[] = [];
    for (let i = 0; i < count && this.unspent.length >= 2; i++) {
      const ins = [this.take(), this.take()];
      const total = ins[0]!.coin.value + ins[1]!.coin.value - 500n;
      const tx = new Transaction({
        version: 2,
        inputs: ins.map((s) => ({ prevout: s.outpoint, scriptSig: new Uint8Array(0), sequence: SEQUENCE_FINAL, witness: [this.witness] })),
        outputs: [
          { value: total / 2n, scriptPubKey: this.script() },
          { value: total - total / 2n, scriptPubKey: this.script() },
        ],
        locktime: 0,
      });
      txs.push(tx);
      spent.push(ins.map((s) => s.coin));
      tx.outputs.forEach((o, vout) => created.push({ outpoint: { txid: tx.txid, vout }, coin: { value: o.value, scriptPubKey: o.scriptPubKey, height, coinbase: false } }));
    }
    coinbase.outputs.forEach((o, vout) => created.push({ outpoint: { txid: coinbase.txid, vout }, coin: { value: o.value, scriptPubKey: o.scriptPubKey, height, coinbase: true } }));
    this.unspent.push(...created);
    return { txs, undo: { spent } };
  }
}

/** A scripted chain of synthetic payment blocks. */
export class SyntheticChain extends ScriptedChain {
  private readonly payments: SyntheticPayments;

  constructor(params: NetworkParams, o: { seed: string; addresses?: number; keep?: 'all' | 'newest' }) {
    super(params, o.keep ? { keep: o.keep } : {});
    this.payments = new SyntheticPayments(o.seed, o.addresses);
  }

  /** Builds the next block (a coinbase with `coinbaseOutputs` outputs, then up to `count` payments) and reports it. */
  mine(count: number, coinbaseOutputs = 1): void {
    const { txs, undo } = this.payments.block(this.height + 1, count, coinbaseOutputs);
    this.append(txs, undo);
  }
}

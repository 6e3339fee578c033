// A best chain of hand-made blocks, reported through the chain events the explorer index subscribes to.

import { Block } from '../../src/main/core/block.ts';
import type { BlockEntry, ChainEvents } from '../../src/main/core/chainstate.ts';
import { Emitter } from '../../src/main/core/events.ts';
import { BlockHeader } from '../../src/main/core/header.ts';
import type { NetworkParams } from '../../src/main/core/params.ts';
import type { Transaction } from '../../src/main/core/tx.ts';
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

  constructor(params: NetworkParams) {
    this.params = params;
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
    this.blocks.set(entry.id, block);
    if (undo) this.undos.set(entry.id, undo);
    this.events.emit('blockConnected', { entry, block });
    this.events.emit('tipChanged', { tip: entry, previous: parent });
    this.events.emit('blockAccepted', { entry, block, status: 'connected' });
    return entry;
  }
}

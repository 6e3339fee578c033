// A withheld branch: the attacker's miner builds on it, its node validates it, peers see it only once published.

import type { Block } from '../core/block.ts';
import type { BlockEntry } from '../core/chainstate.ts';
import type { Transaction } from '../core/tx.ts';
import type { Miner, MiningStrategy } from '../miner/virtual-miners.ts';
import type { Node } from '../node/node.ts';

export interface BlockPlan {
  txs: readonly Transaction[];
  fees: bigint;
}

export class PrivateBranch implements MiningStrategy {
  readonly blocks: Block[] = [];
  readonly fork: BlockEntry;
  /** Transactions for the first blocks of the branch, in order; later blocks are empty. */
  private readonly plans: readonly BlockPlan[];
  private isPublished = false;

  constructor(fork: BlockEntry, plans: readonly BlockPlan[] = []) {
    this.fork = fork;
    this.plans = plans;
  }

  get published(): boolean {
    return this.isPublished;
  }

  tipEntry(node: Node): BlockEntry {
    const last = this.blocks[this.blocks.length - 1];
    return last ? node.chain.getEntry(last.id)! : this.fork;
  }

  template(miner: Miner) {
    const plan = this.plans[this.blocks.length] ?? { txs: [], fees: 0n };
    return { parent: this.tipEntry(miner.node), txs: plan.txs, fees: plan.fees };
  }

  found(miner: Miner, block: Block): void {
    // Validated and stored by the attacker's own node; announced only once the branch is published.
    const r = miner.node.submitBlock(block, false);
    if (r.status === 'rejected') throw new Error(`private block ${r.id} rejected by the attacker's own node: ${r.code} ${r.reason ?? ''}`);
    this.blocks.push(block);
    if (this.isPublished) miner.node.pushBlock(block);
  }

  /** Sends every private block to every peer, oldest first; blocks found later go out at once. */
  publish(node: Node): void {
    this.isPublished = true;
    for (const b of this.blocks) node.pushBlock(b);
  }

  /** Whether `node` has the branch's last block in its active chain. */
  adoptedBy(node: Node): boolean {
    const last = this.blocks[this.blocks.length - 1];
    const e = last && node.chain.getEntry(last.id);
    return !!e && node.chain.isInActiveChain(e);
  }

  /** Work of the heaviest chain `node` knows that does not run through this branch. */
  publicWork(node: Node): bigint {
    let best = this.fork.chainWork;
    const mine = new Set(this.blocks.map((b) => b.id));
    for (const tip of node.chain.tips()) {
      if (tip.invalid || !tip.hasData || tip.chainWork <= best) continue;
      let e: BlockEntry | null = tip;
      let ours = false;
      while (e && e.height > this.fork.height) {
        if (mine.has(e.id)) {
          ours = true;
          break;
        }
        e = e.parent;
      }
      if (!ours) best = tip.chainWork;
    }
    return best;
  }

  work(node: Node): bigint {
    return this.tipEntry(node).chainWork;
  }
}

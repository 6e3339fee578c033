// Selfish mining (Eyal and Sirer, 2014) on the in-process network: withhold blocks, race on ties, measure revenue.

import { z } from 'zod';
import type { Block } from '../core/block.ts';
import { equalBytes } from '../core/bytes.ts';
import type { BlockEntry } from '../core/chainstate.ts';
import { ATTACKER, type Lab } from '../network/lab.ts';
import { honestStrategy, type Miner, type MiningStrategy } from '../miner/virtual-miners.ts';
import type { Node } from '../node/node.ts';
import { selfishRevenueShare } from './theory.ts';
import type { AttackDefinition, ProgressListener } from './attack.ts';

export const selfishParams = z.object({
  /**
   * Share of honest nodes the pool reaches first: in a tie they hear the pool's block before the honest one
   * (Eyal and Sirer's gamma). Realised through link latencies; the measured value is reported.
   */
  gamma: z.number().min(0).max(1).default(0.5),
  /** Main-chain blocks to run for. */
  blocks: z.number().int().min(10).max(100_000).default(300),
  timeoutMs: z.number().int().positive().default(24 * 3_600_000),
});

export type SelfishParams = z.infer<typeof selfishParams>;

export interface SelfishReport {
  attack: 'selfish';
  alpha: number;
  gammaTarget: number;
  /** Mean share of honest hash power that was on the pool's block shortly after each tie. */
  gammaMeasured: number | null;
  blocks: number;
  poolBlocks: number;
  revenueShare: number;
  /** Eyal–Sirer revenue at alpha and the target gamma, and at the measured gamma. */
  analytic: number;
  analyticMeasuredGamma: number | null;
  /** What honest mining would have earned. */
  honestShare: number;
  ties: number;
  orphanedPoolBlocks: number;
  orphanedHonestBlocks: number;
  timeMs: number;
}

/** Eyal and Sirer's strategy, run against the attacker node's view of the network. */
class SelfishStrategy implements MiningStrategy {
  private readonly node: Node;
  /** The pool's branch: blocks after `fork`, the first `published` of them sent to peers. */
  private fork: BlockEntry;
  private branch: Block[] = [];
  private published = 0;
  tie = false;
  /** Honest nodes the pool tells first in a tie (realises gamma). */
  tieTargets: readonly string[] = [];
  onTie: ((poolTip: string) => void) | null = null;

  constructor(node: Node) {
    this.node = node;
    this.fork = node.chain.tip;
  }

  private tipEntry(): BlockEntry {
    const last = this.branch[this.branch.length - 1];
    return last ? this.node.chain.getEntry(last.id)! : this.fork;
  }

  template(miner: Miner) {
    // The pool mines on its own branch; transactions as an honest miner would include them.
    const t = honestStrategy.template(miner);
    const parent = this.tipEntry();
    return parent === miner.node.chain.tip ? { ...t, parent } : { parent, txs: [], fees: 0n };
  }

  found(miner: Miner, block: Block): void {
    const r = miner.node.submitBlock(block, false);
    if (r.status === 'rejected') throw new Error(`pool block rejected by its own node: ${r.code}`);
    this.branch.push(block);
    if (this.tie) {
      // State 0': publish at once; the pool's branch is now strictly longer.
      this.tie = false;
      this.publishUpTo(this.branch.length);
    }
  }

  /** Called when the pool's node accepted a block from a peer. */
  onHonestBlock(): void {
    const pub = this.bestPublic();
    const ours = this.tipEntry();
    const privateHeight = ours.height;
    const withheld = this.branch.length - this.published;
    if (withheld === 0) {
      // Nothing held back: follow the public chain if it is ahead or builds on ours.
      if (pub.height > privateHeight || descends(pub, ours)) this.adopt(pub);
      else if (pub.height === privateHeight && pub !== ours) this.tie = true;
      return;
    }
    const lead = privateHeight - pub.height;
    if (lead < 0) this.adopt(pub);
    else if (lead === 0) {
      this.publishUpTo(this.branch.length, this.tieTargets);
      this.tie = true;
      this.onTie?.(this.tipEntry().id);
    } else if (lead === 1) {
      this.publishUpTo(this.branch.length);
      this.tie = false;
    } else {
      this.publishUpTo(pub.height - this.fork.height);
    }
  }

  private adopt(entry: BlockEntry): void {
    this.fork = entry;
    this.branch = [];
    this.published = 0;
    this.tie = false;
  }

  private publishUpTo(count: number, only?: readonly string[]): void {
    for (let i = this.published; i < count && i < this.branch.length; i++) this.node.pushBlock(this.branch[i]!, only);
    this.published = Math.max(this.published, Math.min(count, this.branch.length));
  }

  /** The heaviest tip honest nodes can know: anything but the pool's withheld blocks. */
  private bestPublic(): BlockEntry {
    const withheld = new Set(this.branch.slice(this.published).map((b) => b.id));
    let best: BlockEntry | null = null;
    for (const tip of this.node.chain.tips()) {
      if (!tip.hasData || tip.invalid) continue;
      let e: BlockEntry | null = tip;
      while (e && withheld.has(e.id)) e = e.parent;
      if (e && (!best || e.chainWork > best.chainWork || (e.chainWork === best.chainWork && e.sequence < best.sequence))) best = e;
    }
    return best ?? this.fork;
  }
}

function descends(entry: BlockEntry, ancestor: BlockEntry): boolean {
  for (let e: BlockEntry | null = entry; e && e.height >= ancestor.height; e = e.parent) if (e === ancestor) return true;
  return false;
}

/**
 * Realises gamma: the pool is linked to every honest node with a fast link (it hears each honest block at
 * once), honest nodes reach each other more slowly, and in a tie the pool sends its block only to a set S of
 * honest nodes, which therefore see it before the honest block. With n equal honest miners and |S| = k, an
 * honest block's finder is in S with probability k/n, so the hash power that builds on the pool's block is
 * k/n of the honest power on average.
 */
function arrangeLinks(lab: Lab, gamma: number): string[] {
  const ids = lab.honestIds;
  for (const a of ids) {
    for (const b of ids) if (a < b) Object.assign(lab.testnet.network.link(a, b)!, { latencyMs: 300, jitterMs: 0 });
    Object.assign(lab.testnet.network.link(ATTACKER, a)!, { latencyMs: 1, jitterMs: 0 });
  }
  return ids.slice(0, Math.round(gamma * ids.length));
}

export const selfish: AttackDefinition<typeof selfishParams, SelfishReport> = {
  name: 'selfish',
  title: 'Selfish mining',
  summary: 'The pool keeps the blocks it finds to itself and releases them only to win races against honest blocks (Eyal and Sirer, 2014); with enough hash power, or good enough connectivity (gamma), it earns more than its share.',
  params: selfishParams,

  async run(lab: Lab, p: SelfishParams, onProgress?: ProgressListener): Promise<SelfishReport> {
    const start = lab.now();
    const miner = lab.attackerMiner;
    const pool = lab.attacker;
    const strategy = new SelfishStrategy(pool);
    strategy.tieTargets = arrangeLinks(lab, p.gamma);
    const startHeight = lab.honestNodes()[0]!.chain.height;
    const honestShare = lab.honestNodes().reduce((s, n) => s + (lab.miners.get(`miner-${n.id}`)?.share ?? 0), 0);
    const gammaSamples: number[] = [];
    let ties = 0;
    strategy.onTie = (poolTip) => {
      ties++;
      // Sample who mines on the pool's block once both blocks had time to spread.
      lab.scheduler.setTimeout(() => {
        let share = 0;
        for (const n of lab.honestNodes()) if (n.chain.tip.id === poolTip) share += lab.miners.get(`miner-${n.id}`)?.share ?? 0;
        gammaSamples.push(share / honestShare);
      }, 400);
    };
    const off = pool.chain.events.on('blockAccepted', ({ entry }) => {
      if (entry.source !== 'local') strategy.onHonestBlock();
    });
    miner.strategy = strategy;
    const wasRunning = lab.miners.running;
    lab.miners.start();
    onProgress?.({ attack: 'selfish', t: 0, phase: 'mining', message: `selfish pool with alpha ${miner.share}, gamma ${p.gamma}` });
    const reference = lab.honestNodes()[0]!;
    let lastReported = 0;
    await lab.waitFor(() => {
      const done = reference.chain.height - startHeight;
      if (done - lastReported >= 50) {
        lastReported = done;
        onProgress?.({ attack: 'selfish', t: lab.now() - start, phase: 'mining', message: `${done} of ${p.blocks} blocks`, data: { blocks: done } });
      }
      return done >= p.blocks;
    }, p.timeoutMs);
    if (!wasRunning) await lab.miners.stop();
    off();
    miner.strategy = honestStrategy;

    // Revenue: who mined the main-chain blocks (coinbase payout), as the honest reference node sees them.
    const poolScript = lab.testnet.wallet(ATTACKER).primary.scriptPubKey;
    let poolBlocks = 0;
    let blocks = 0;
    const mainIds = new Set<string>();
    for (let h = startHeight + 1; h <= reference.chain.height; h++) {
      const entry = reference.chain.entryAtHeight(h)!;
      mainIds.add(entry.id);
      const cb = reference.chain.getBlock(entry.id)!.txs[0]!;
      blocks++;
      if (equalBytes(cb.outputs[0]!.scriptPubKey, poolScript)) poolBlocks++;
    }
    let orphanedPool = 0;
    let orphanedHonest = 0;
    for (const e of pool.chain.allEntries()) {
      if (e.height <= startHeight || e.height > reference.chain.height || mainIds.has(e.id) || !e.hasData) continue;
      const cb = pool.chain.getBlock(e.id)!.txs[0]!;
      if (equalBytes(cb.outputs[0]!.scriptPubKey, poolScript)) orphanedPool++;
      else orphanedHonest++;
    }
    const alpha = miner.share;
    const gammaMeasured = gammaSamples.length > 0 ? gammaSamples.reduce((s, x) => s + x, 0) / gammaSamples.length : null;
    const report: SelfishReport = {
      attack: 'selfish',
      alpha,
      gammaTarget: p.gamma,
      gammaMeasured,
      blocks,
      poolBlocks,
      revenueShare: blocks > 0 ? poolBlocks / blocks : 0,
      analytic: selfishRevenueShare(alpha, p.gamma),
      analyticMeasuredGamma: gammaMeasured === null ? null : selfishRevenueShare(alpha, Math.min(1, Math.max(0, gammaMeasured))),
      honestShare: alpha,
      ties,
      orphanedPoolBlocks: orphanedPool,
      orphanedHonestBlocks: orphanedHonest,
      timeMs: lab.now() - start,
    };
    onProgress?.({ attack: 'selfish', t: report.timeMs, phase: 'done', message: `revenue share ${report.revenueShare.toFixed(3)} (formula ${report.analytic.toFixed(3)}, honest ${alpha})` });
    return report;
  },
};

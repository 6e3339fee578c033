// Mining in virtual time: block discovery drawn from each miner's hash-power share; blocks still carry real proof of work.

import type { Block } from '../core/block.ts';
import type { BlockEntry } from '../core/chainstate.ts';
import { Emitter } from '../core/events.ts';
import type { Transaction } from '../core/tx.ts';
import type { Rng } from '../core/rng.ts';
import type { Node } from '../node/node.ts';
import type { Testnet } from '../network/testnet.ts';
import { buildTemplate, mempoolSelection, solveEasy } from './miner.ts';

export interface Miner {
  readonly id: string;
  /** The node it mines for (builds on that node's view, submits there). */
  readonly node: Node;
  /** Share of the network's hash power, in (0, 1]. */
  share: number;
  payoutScript: Uint8Array;
  strategy: MiningStrategy;
  blocksFound: number;
}

/** What a miner builds on and what it does with a solved block: honest by default; attacks replace it. */
export interface MiningStrategy {
  template(miner: Miner): { parent: BlockEntry; txs: readonly Transaction[]; fees: bigint };
  found(miner: Miner, block: Block): void;
}

export const honestStrategy: MiningStrategy = {
  template(m) {
    const { txs, fees } = mempoolSelection(m.node.chain, m.node.mempool);
    return { parent: m.node.chain.tip, txs, fees };
  },
  found(m, block) {
    m.node.submitBlock(block);
  },
};

export interface MiningEvents {
  blockFound: { miner: string; node: string; block: Block; height: number };
}

export interface MinerSpec {
  id: string;
  node: string;
  share: number;
}

/** Shared miner bookkeeping for virtual and real-time mining. */
export abstract class MinerSet {
  readonly events = new Emitter<MiningEvents>();
  protected readonly testnet: Testnet;
  protected readonly miners = new Map<string, Miner>();

  constructor(testnet: Testnet) {
    this.testnet = testnet;
  }

  add(spec: MinerSpec): Miner {
    if (!(spec.share > 0 && spec.share <= 1)) throw new Error(`share: expected a number in (0, 1], got ${spec.share}`);
    const node = this.testnet.node(spec.node);
    const miner: Miner = { id: spec.id, node, share: spec.share, payoutScript: this.testnet.wallet(spec.node).primary.scriptPubKey, strategy: honestStrategy, blocksFound: 0 };
    this.miners.set(spec.id, miner);
    return miner;
  }

  remove(id: string): void {
    this.miners.delete(id);
  }

  get(id: string): Miner | undefined {
    return this.miners.get(id);
  }

  all(): Miner[] {
    return [...this.miners.values()];
  }

  /** Mines one block for `miner` right away (as regtest's generatetoaddress), then hands it to its strategy. */
  abstract mineNow(miner: Miner): Promise<Block>;

  abstract start(): void;
  abstract stop(): void | Promise<void>;
  abstract readonly running: boolean;

  /** Builds and solves (at an easy target) one block for `miner` now, then hands it to its strategy. */
  mineWith(miner: Miner, extraNonce = 0): Block {
    const t = miner.strategy.template(miner);
    const block = solveEasy(
      buildTemplate({ chain: miner.node.chain, parent: t.parent, txs: t.txs, fees: t.fees, payoutScript: miner.payoutScript, now: this.testnet.scheduler.now() / 1000, tag: miner.id, extraNonce }),
    );
    this.record(miner, block, t.parent.height + 1);
    return block;
  }

  protected record(miner: Miner, block: Block, height: number): void {
    miner.blocksFound++;
    this.events.emit('blockFound', { miner: miner.id, node: miner.node.id, block, height });
    miner.strategy.found(miner, block);
  }
}

/**
 * Virtual-time mining. The network finds blocks as a Poisson process with one block per target spacing at
 * full hash power; each block goes to a miner with probability equal to its share (memorylessness makes this
 * the same as independent exponential clocks per miner). Miners of stopped nodes do not mine.
 */
export class VirtualMiners extends MinerSet {
  private readonly rng: Rng;
  private timer: number | null = null;
  private spacingMs: number;

  constructor(testnet: Testnet, o: { spacingMs?: number } = {}) {
    super(testnet);
    this.rng = testnet.rng.fork('virtual-miners');
    this.spacingMs = o.spacingMs ?? testnet.params.targetSpacing * 1000;
  }

  get running(): boolean {
    return this.timer !== null;
  }

  mineNow(miner: Miner): Promise<Block> {
    return Promise.resolve(this.mineWith(miner));
  }

  start(): void {
    if (this.timer === null) this.scheduleNext();
  }

  stop(): void {
    if (this.timer !== null) this.testnet.scheduler.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Mean milliseconds between blocks at full hash power. */
  get spacing(): number {
    return this.spacingMs;
  }

  /**
   * Takes a new mean spacing from now on. A running draw is replaced by a fresh one at the new rate: block
   * discovery is memoryless, so nothing carries over from the old draw.
   */
  setSpacing(ms: number): void {
    if (!(ms > 0 && Number.isFinite(ms))) throw new RangeError(`spacing: expected a positive number of milliseconds, got ${ms}`);
    this.spacingMs = ms;
    if (this.timer !== null) {
      this.stop();
      this.start();
    }
  }

  private active(): Miner[] {
    return this.all().filter((m) => m.node.running);
  }

  private scheduleNext(): void {
    const total = this.active().reduce((s, m) => s + m.share, 0);
    // With no active hash power, look again after one spacing.
    const delay = total > 0 ? this.rng.exponential(total / this.spacingMs) : this.spacingMs;
    this.timer = this.testnet.scheduler.setTimeout(() => {
      const active = this.active();
      const sum = active.reduce((s, m) => s + m.share, 0);
      if (sum > 0) {
        let x = this.rng.float() * sum;
        const winner = active.find((m) => (x -= m.share) < 0) ?? active[active.length - 1]!;
        this.mineWith(winner);
      }
      this.scheduleNext();
    }, delay);
  }
}

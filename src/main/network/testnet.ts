// A local test network: nodes with wallets on a simulated network, one clock, one seed, one signature cache.

import { InputError } from '../core/errors.ts';
import type { NetworkParams } from '../core/params.ts';
import { Rng } from '../core/rng.ts';
import { SignatureChecker } from '../core/signatures.ts';
import { Wallet } from '../core/wallet.ts';
import { wasmSchnorr } from '../crypto/fast-schnorr.ts';
import type { VerifyPool } from '../crypto/verify-pool.ts';
import { Node } from '../node/node.ts';
import { Network, type LinkOptions } from './network.ts';
import type { Scheduler } from './scheduler.ts';

export interface TestnetOptions {
  params: NetworkParams;
  scheduler: Scheduler;
  seed: number | string;
  /** Shared by every node: a signature verified once is not verified again anywhere. */
  checker?: SignatureChecker;
  banThreshold?: number;
  /** Shared by every node for large blocks (real time only: virtual runs stay on one thread, deterministic). */
  verifyPool?: VerifyPool;
}

export interface TipView {
  node: string;
  running: boolean;
  height: number;
  tip: string;
  chainWork: string;
}

export class Testnet {
  readonly params: NetworkParams;
  readonly scheduler: Scheduler;
  readonly rng: Rng;
  readonly network: Network;
  readonly checker: SignatureChecker;
  readonly seed: string;
  private readonly nodes = new Map<string, Node>();
  private readonly banThreshold: number | undefined;
  readonly verifyPool: VerifyPool | undefined;

  constructor(o: TestnetOptions) {
    this.params = o.params;
    this.scheduler = o.scheduler;
    this.seed = String(o.seed);
    this.rng = new Rng(this.seed);
    this.network = new Network(o.scheduler, this.rng.fork('network'));
    this.checker = o.checker ?? new SignatureChecker(wasmSchnorr);
    this.banThreshold = o.banThreshold;
    this.verifyPool = o.verifyPool;
  }

  /** Adds a node with a wallet named after it (keys derived from the seed, so runs replay). */
  addNode(id: string): Node {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new InputError('bad-node-id', `node id: expected 1-32 letters, digits, - or _, got ${JSON.stringify(id)}`);
    if (this.nodes.has(id)) throw new InputError('duplicate-node', `node ${id} already exists`);
    const node = new Node({ id, params: this.params, network: this.network, checker: this.checker, ...(this.banThreshold !== undefined ? { banThreshold: this.banThreshold } : {}), ...(this.verifyPool ? { verifyPool: this.verifyPool } : {}) });
    node.wallets.set(id, Wallet.fromLabel(this.params, `${this.seed}/${id}`, wasmSchnorr));
    this.nodes.set(id, node);
    this.network.add(node);
    return node;
  }

  removeNode(id: string): void {
    this.node(id);
    this.network.remove(id);
    this.nodes.delete(id);
  }

  node(id: string): Node {
    const n = this.nodes.get(id);
    if (!n) throw new InputError('unknown-node', `unknown node ${JSON.stringify(id)}: expected one of ${[...this.nodes.keys()].join(', ')}`);
    return n;
  }

  /** The wallet a node's miner pays and its traffic spends from. */
  wallet(id: string): Wallet {
    return this.node(id).wallets.get(id)!;
  }

  allNodes(): Node[] {
    return [...this.nodes.values()];
  }

  ids(): string[] {
    return [...this.nodes.keys()];
  }

  connect(a: string, b: string, o?: LinkOptions): void {
    this.node(a);
    this.node(b);
    this.network.connect(a, b, o);
  }

  partition(groups: string[][]): void {
    for (const g of groups) for (const id of g) this.node(id);
    this.network.partition(groups);
  }

  heal(): void {
    this.network.heal();
  }

  tips(): TipView[] {
    return this.allNodes().map((n) => ({
      node: n.id,
      running: n.running,
      height: n.chain.height,
      tip: n.chain.tip.id,
      chainWork: n.chain.tip.chainWork.toString(16),
    }));
  }

  /** Whether every running node (or those given) has the same tip. */
  converged(ids?: string[]): boolean {
    const nodes = (ids ?? this.ids()).map((id) => this.node(id)).filter((n) => n.running);
    return nodes.every((n) => n.chain.tip === nodes[0]!.chain.tip || n.chain.tip.id === nodes[0]!.chain.tip.id);
  }
}

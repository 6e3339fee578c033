// The default lab network: honest nodes and one attacker node, with miners by hash-power share, in virtual or real time.

import { InputError } from '../core/errors.ts';
import { VerifyPool } from '../crypto/verify-pool.ts';
import { FORKLAB, FORKLAB_SIM, type NetworkParams } from '../core/params.ts';
import type { Node } from '../node/node.ts';
import { TrafficGenerator, type TrafficOptions } from '../node/traffic.ts';
import { VirtualMiners, type Miner, type MinerSet } from '../miner/virtual-miners.ts';
import type { LinkOptions } from './network.ts';
import { RealScheduler, VirtualScheduler, type Scheduler } from './scheduler.ts';
import { Testnet } from './testnet.ts';

export type LabMode = 'virtual' | 'real';

export interface LabOptions {
  mode: LabMode;
  seed: number | string;
  /** Honest nodes h0..h(n-1); 4 by default. */
  honest?: number;
  /** The attacker node's share of hash power; 0 gives a network without an attacker miner. */
  attackerShare?: number;
  link?: LinkOptions;
  /** Real-time mining threads. */
  threads?: number;
  params?: NetworkParams;
  /** Misbehaviour score at which honest nodes disconnect a peer (100 by default, as in Bitcoin Core). */
  banThreshold?: number;
  /** Creates real-time miners (kept out of this module so virtual runs never load worker code). */
  realMiners?: (testnet: Testnet, threads: number) => MinerSet;
}

export const ATTACKER = 'attacker';
/** Virtual milliseconds run between checks of the wall clock when waitFor yields. */
const YIELD_SLICE_MS = 1_000;

export class Lab {
  readonly mode: LabMode;
  readonly testnet: Testnet;
  readonly scheduler: Scheduler;
  readonly miners: MinerSet;
  readonly honestIds: string[];
  traffic: TrafficGenerator | null = null;
  /**
   * In virtual time, waitFor runs the event queue on the caller's thread. Null (the default, for the CLI and
   * tests) runs it to the end at once; a number makes it hand the event loop back after about that many
   * milliseconds of work, so an app serving requests meanwhile stays live. The events run are the same.
   */
  yieldEveryMs: number | null = null;

  private constructor(mode: LabMode, testnet: Testnet, miners: MinerSet, honestIds: string[]) {
    this.mode = mode;
    this.testnet = testnet;
    this.scheduler = testnet.scheduler;
    this.miners = miners;
    this.honestIds = honestIds;
  }

  /** Builds the default network: honest nodes in a full mesh, the attacker linked to all of them. */
  static create(o: LabOptions): Lab {
    const honest = o.honest ?? 4;
    if (!Number.isInteger(honest) || honest < 1 || honest > 64) throw new InputError('bad-nodes', `honest nodes: expected 1..64, got ${honest}`);
    const q = o.attackerShare ?? 0;
    if (!(q >= 0 && q < 1)) throw new InputError('bad-q', `attacker share: expected a number in [0, 1), got ${q}`);
    const params = o.params ?? (o.mode === 'virtual' ? FORKLAB_SIM : FORKLAB);
    const scheduler: Scheduler = o.mode === 'virtual' ? new VirtualScheduler(params.genesis.header.time * 1000 + 3_600_000) : new RealScheduler();
    const testnet = new Testnet({ params, scheduler, seed: o.seed, ...(o.banThreshold !== undefined ? { banThreshold: o.banThreshold } : {}), ...(o.mode === 'real' ? { verifyPool: new VerifyPool({ threads: 1 }) } : {}) });
    const ids = Array.from({ length: honest }, (_, i) => `h${i}`);
    for (const id of ids) testnet.addNode(id);
    testnet.addNode(ATTACKER);
    const link = o.link ?? { latencyMs: 100, jitterMs: 50 };
    testnet.network.fullMesh(ids, link);
    for (const id of ids) testnet.connect(ATTACKER, id, link);
    let miners: MinerSet;
    if (o.mode === 'virtual') miners = new VirtualMiners(testnet);
    else {
      if (!o.realMiners) throw new Error('real-time labs need a realMiners factory');
      miners = o.realMiners(testnet, o.threads ?? 2);
    }
    for (const id of ids) miners.add({ id: `miner-${id}`, node: id, share: (1 - q) / honest });
    if (q > 0) miners.add({ id: `miner-${ATTACKER}`, node: ATTACKER, share: q });
    return new Lab(o.mode, testnet, miners, ids);
  }

  /**
   * A lab with any nodes and shares (scenario files): nodes named `attacker` play the attacker; every node with
   * a share gets a miner `miner-<id>`. Links are added by the caller.
   */
  static custom(o: {
    mode: LabMode;
    seed: number | string;
    params?: NetworkParams;
    /** Virtual mode: mean milliseconds between blocks at full hash power (the target spacing by default). */
    spacingMs?: number;
    nodes: { id: string; share: number }[];
    threads?: number;
    banThreshold?: number;
    realMiners?: LabOptions['realMiners'];
  }): Lab {
    const params = o.params ?? (o.mode === 'virtual' ? FORKLAB_SIM : FORKLAB);
    const scheduler: Scheduler = o.mode === 'virtual' ? new VirtualScheduler(params.genesis.header.time * 1000 + 3_600_000) : new RealScheduler();
    const testnet = new Testnet({ params, scheduler, seed: o.seed, ...(o.banThreshold !== undefined ? { banThreshold: o.banThreshold } : {}), ...(o.mode === 'real' ? { verifyPool: new VerifyPool({ threads: 1 }) } : {}) });
    for (const n of o.nodes) testnet.addNode(n.id);
    let miners: MinerSet;
    if (o.mode === 'virtual') miners = new VirtualMiners(testnet, o.spacingMs !== undefined ? { spacingMs: o.spacingMs } : {});
    else {
      if (!o.realMiners) throw new Error('real-time labs need a realMiners factory');
      miners = o.realMiners(testnet, o.threads ?? 2);
    }
    for (const n of o.nodes) if (n.share > 0) miners.add({ id: `miner-${n.id}`, node: n.id, share: n.share });
    return new Lab(o.mode, testnet, miners, o.nodes.map((n) => n.id).filter((id) => id !== ATTACKER));
  }

  get attacker(): Node {
    return this.testnet.node(ATTACKER);
  }

  get attackerMiner(): Miner {
    const m = this.miners.get(`miner-${ATTACKER}`);
    if (!m) throw new InputError('no-attacker', 'this lab has no attacker miner (attacker share 0)');
    return m;
  }

  honestNodes(): Node[] {
    return this.honestIds.map((id) => this.testnet.node(id));
  }

  /** Milliseconds on the lab's clock. */
  now(): number {
    return this.scheduler.now();
  }

  startTraffic(o: TrafficOptions): TrafficGenerator {
    this.traffic?.stop();
    this.traffic = new TrafficGenerator(this.testnet, o);
    this.traffic.start();
    return this.traffic;
  }

  /**
   * Waits until `done()` holds or `timeoutMs` pass on the lab's clock: in virtual time by running the event
   * queue, in real time by checking every 20 ms. Resolves with whether it held.
   */
  waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
    const s = this.scheduler;
    if (s instanceof VirtualScheduler) {
      if (this.yieldEveryMs === null) return Promise.resolve(s.runUntilCondition(done, timeoutMs));
      return this.waitYielding(s, done, timeoutMs, this.yieldEveryMs);
    }
    const end = s.now() + timeoutMs;
    return new Promise((resolve) => {
      const check = (): void => {
        if (done()) resolve(true);
        else if (s.now() >= end) resolve(false);
        else s.setTimeout(check, 20);
      };
      check();
    });
  }

  private async waitYielding(s: VirtualScheduler, done: () => boolean, timeoutMs: number, turnMs: number): Promise<boolean> {
    const end = s.now() + timeoutMs;
    for (;;) {
      const turn = performance.now();
      do {
        if (s.runUntilCondition(done, Math.min(YIELD_SLICE_MS, end - s.now()))) return true;
        if (s.now() >= end) return false;
      } while (performance.now() - turn < turnMs);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Lets `ms` pass on the lab's clock. */
  async sleep(ms: number): Promise<void> {
    await this.waitFor(() => false, ms);
  }

  /** Mines `count` blocks by `miner` right away and waits until every running node has them. */
  async mineNow(minerId: string, count: number): Promise<void> {
    const miner = this.miners.get(minerId);
    if (!miner) throw new InputError('unknown-miner', `unknown miner ${JSON.stringify(minerId)}`);
    for (let i = 0; i < count; i++) {
      await this.miners.mineNow(miner);
      await this.waitFor(() => this.testnet.converged(), 30_000);
    }
  }

  async close(): Promise<void> {
    this.traffic?.stop();
    await this.miners.stop();
    await this.testnet.verifyPool?.close();
    if (this.scheduler instanceof RealScheduler) this.scheduler.clearAll();
  }
}

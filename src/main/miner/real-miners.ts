// Mining in real time: several miners share one worker pool, each getting nonce attempts in proportion to its hash-power share.

import type { Block } from '../core/block.ts';
import { bitsToTarget } from '../core/pow.ts';
import type { Testnet } from '../network/testnet.ts';
import { buildTemplate } from './miner.ts';
import { PowPool } from './pow-pool.ts';
import { MinerSet, type Miner, type MinerSpec, type MiningStrategy } from './virtual-miners.ts';

const MAX_NONCE = 0xffffffff;
/** Nonces per job and per thread by default: about 30 ms of work at 2M hashes/s. */
const CHUNK_PER_THREAD = 65_536;
/** A template older than this is rebuilt, for new transactions and a fresh timestamp. */
const TEMPLATE_MAX_AGE_MS = 2_000;
/** With no miner on a running node, look again after this long. */
const IDLE_WAIT_MS = 100;
/** hashRate() is measured over at least this window. */
const RATE_WINDOW_MS = 5_000;

export interface RealTimeMinersOptions {
  /** Worker threads of the shared pool. */
  threads: number;
  /** Nonces per job; 65,536 per thread by default. */
  chunk?: number;
}

/** A miner's scheduling state and current unsolved block. */
interface Work {
  /** Stride-scheduling pass: the miner with the lowest pass gets the next job. */
  pass: number;
  /** Whether the miner's node was running at the last scheduling decision. */
  active: boolean;
  hashes: number;
  /** Counts templates built for this miner, so no two of them share a coinbase. */
  extraNonce: number;
  template: Template | null;
}

interface Template {
  block: Block;
  header: Uint8Array;
  target: bigint;
  height: number;
  /** The node's tip when the template was built: a new tip makes it stale. */
  tipId: string;
  strategy: MiningStrategy;
  builtAt: number;
  /** Next nonce to hand out; past MAX_NONCE the range is exhausted. */
  nextNonce: number;
}

/**
 * Real proof of work for every miner on one PowPool, so the main thread never hashes. The pool runs one job
 * at a time; jobs of `chunk` nonces go to miners by stride scheduling (lowest pass first, then pass grows by
 * hashes / (chunk × share)), so each miner makes hashes in proportion to its share, and so finds blocks at
 * the rate its share of the network's hash power would. Miners of stopped nodes get no jobs; a miner whose
 * node comes back resumes at the current pass rather than catching up.
 */
export class RealTimeMiners extends MinerSet {
  readonly threads: number;
  readonly chunk: number;
  private readonly pool: PowPool;
  private readonly work = new Map<string, Work>();
  /** Pass of the last miner scheduled: where new and returning miners start. */
  private virtualPass = 0;
  /** Identifies the running loop; null when stopped. A loop ends once the token it was started with is gone. */
  private loopToken: object | null = null;
  private loopDone: Promise<void> = Promise.resolve();
  private job: AbortController | null = null;
  /** Serializes use of the pool (loop jobs and mineNow), first come first served. */
  private lock: Promise<void> = Promise.resolve();
  private readonly samples: { t: number; hashes: number }[] = [];
  private closed = false;
  private failure: Error | null = null;

  constructor(testnet: Testnet, o: RealTimeMinersOptions) {
    super(testnet);
    if (!Number.isInteger(o.threads) || o.threads < 1) throw new RangeError(`threads: expected a positive integer, got ${o.threads}`);
    const chunk = o.chunk ?? CHUNK_PER_THREAD * o.threads;
    if (!Number.isInteger(chunk) || chunk < 1 || chunk > MAX_NONCE) throw new RangeError(`chunk: expected an integer in 1..0xffffffff, got ${chunk}`);
    this.threads = o.threads;
    this.chunk = chunk;
    this.pool = new PowPool({ threads: o.threads });
  }

  get running(): boolean {
    return this.loopToken !== null;
  }

  /** Why mining stopped on its own (a worker failed), or null. */
  get error(): Error | null {
    return this.failure;
  }

  override add(spec: MinerSpec): Miner {
    const miner = super.add(spec);
    this.work.set(miner.id, { pass: this.virtualPass, active: miner.node.running, hashes: 0, extraNonce: 0, template: null });
    return miner;
  }

  override remove(id: string): void {
    super.remove(id);
    this.work.delete(id);
  }

  /** Hashes made for this miner so far (loop jobs and mineNow). */
  hashesOf(id: string): number {
    return this.work.get(id)?.hashes ?? 0;
  }

  /** Hashes made by the pool since it was created. */
  get totalHashes(): number {
    return this.pool.totalHashes;
  }

  /** Hashes per second over the last few seconds (0 before there are two samples apart in time). */
  hashRate(): number {
    const now = this.testnet.scheduler.now();
    const total = this.pool.totalHashes;
    this.sample(now, total);
    const first = this.samples[0]!;
    return now > first.t ? ((total - first.hashes) * 1000) / (now - first.t) : 0;
  }

  start(): void {
    if (this.closed) throw new Error('RealTimeMiners: closed');
    if (this.failure) throw this.failure;
    if (this.loopToken) return;
    this.sample(this.testnet.scheduler.now(), this.pool.totalHashes);
    const token = {};
    this.loopToken = token;
    // A loop stopped a moment ago may still be settling its last job: the new one starts after it.
    this.loopDone = this.loopDone.then(() => this.run(token));
  }

  /**
   * Aborts the current job and resolves once the loop has ended (after a mineNow() that is searching, which
   * stop() does not abort); rejects with the failure if the loop ended on one.
   */
  async stop(): Promise<void> {
    this.loopToken = null;
    this.job?.abort();
    await this.loopDone;
    if (this.failure) throw this.failure;
  }

  /**
   * Mines one block for `miner` with the whole pool, ahead of the loop's next job (the loop's current job is
   * aborted and the loop waits), then hands it to the miner's strategy and returns it. Works whether or not
   * the loop runs, and whether or not the miner's node runs.
   */
  mineNow(miner: Miner): Promise<Block> {
    if (this.closed) return Promise.reject(new Error('RealTimeMiners: closed'));
    this.job?.abort();
    return this.exclusive(async () => {
      const work = this.workOf(miner);
      for (;;) {
        const t = this.build(miner, work);
        const r = await this.pool.search({ header: t.header, target: t.target });
        work.hashes += r.hashes;
        if (r.nonce !== null) return this.solved(miner, t, r.nonce);
        if (r.aborted) throw new Error('RealTimeMiners: closed while mining');
        // Nonce range exhausted: the next template has a new extra nonce.
      }
    });
  }

  /** Stops mining and terminates the workers; a mineNow() still searching rejects. Does not report failures (stop() does). */
  async close(): Promise<void> {
    this.closed = true;
    this.loopToken = null;
    this.job?.abort();
    // Closing the pool first also ends a mineNow() search the loop may be queued behind.
    await this.pool.close();
    await this.loopDone;
  }

  /** The mining loop: never rejects; a failure (a worker died, a strategy threw) ends it and is kept for stop() to report. */
  private async run(token: object): Promise<void> {
    try {
      while (this.loopToken === token) {
        const miner = this.pick();
        if (miner) await this.exclusive(() => this.mineChunk(miner, token));
        else await this.idle();
      }
    } catch (e) {
      this.failure = e as Error;
      if (this.loopToken === token) this.loopToken = null;
    }
  }

  /** Stride scheduling: among miners of running nodes, the one with the lowest pass. */
  private pick(): Miner | null {
    let best: Miner | null = null;
    let bestPass = Infinity;
    for (const miner of this.miners.values()) {
      const work = this.workOf(miner);
      const active = miner.node.running;
      if (active && !work.active) work.pass = Math.max(work.pass, this.virtualPass);
      work.active = active;
      if (active && work.pass < bestPass) {
        best = miner;
        bestPass = work.pass;
      }
    }
    if (best) this.virtualPass = bestPass;
    return best;
  }

  /** One job of up to `chunk` nonces for `miner` on its current template. */
  private async mineChunk(miner: Miner, token: object): Promise<void> {
    // The pool may have been busy with mineNow() since the pick: look again.
    if (this.loopToken !== token || this.miners.get(miner.id) !== miner || !miner.node.running) return;
    const work = this.workOf(miner);
    let t = work.template;
    if (!t || this.stale(miner, t)) t = this.build(miner, work);
    const startNonce = t.nextNonce;
    const endNonce = Math.min(MAX_NONCE, startNonce + this.chunk - 1);
    t.nextNonce = endNonce + 1;
    const controller = new AbortController();
    this.job = controller;
    const r = await this.pool.search({ header: t.header, target: t.target, startNonce, endNonce }, controller.signal);
    this.job = null;
    work.hashes += r.hashes;
    work.pass += r.hashes / (this.chunk * miner.share);
    this.sample(this.testnet.scheduler.now(), this.pool.totalHashes);
    // A miner removed while its job ran keeps its hashes out of the chain.
    if (r.nonce !== null && this.miners.get(miner.id) === miner) this.solved(miner, t, r.nonce);
  }

  private stale(miner: Miner, t: Template): boolean {
    return (
      t.nextNonce > MAX_NONCE ||
      t.tipId !== miner.node.chain.tip.id ||
      t.strategy !== miner.strategy ||
      this.testnet.scheduler.now() - t.builtAt >= TEMPLATE_MAX_AGE_MS
    );
  }

  /** A new template from the miner's strategy, timestamped with the scheduler's clock. */
  private build(miner: Miner, work: Work): Template {
    const { parent, txs, fees } = miner.strategy.template(miner);
    const now = this.testnet.scheduler.now();
    const block = buildTemplate({
      chain: miner.node.chain,
      parent,
      txs,
      fees,
      payoutScript: miner.payoutScript,
      now: now / 1000,
      tag: miner.id,
      extraNonce: work.extraNonce++,
    });
    const t: Template = {
      block,
      header: block.header.toBytes(),
      target: bitsToTarget(block.header.bits),
      height: parent.height + 1,
      tipId: miner.node.chain.tip.id,
      strategy: miner.strategy,
      builtAt: now,
      nextNonce: 0,
    };
    work.template = t;
    return t;
  }

  /** Records a solved template; the miner's next job starts from a new template. */
  private solved(miner: Miner, t: Template, nonce: number): Block {
    const work = this.workOf(miner);
    if (work.template === t) work.template = null;
    const block = t.block.with(t.block.header.with({ nonce }));
    this.record(miner, block, t.height);
    return block;
  }

  private workOf(miner: Miner): Work {
    let work = this.work.get(miner.id);
    if (!work) {
      work = { pass: this.virtualPass, active: miner.node.running, hashes: 0, extraNonce: 0, template: null };
      this.work.set(miner.id, work);
    }
    return work;
  }

  /** Waits IDLE_WAIT_MS, or less when stop() aborts the wait. */
  private idle(): Promise<void> {
    const controller = new AbortController();
    this.job = controller;
    const scheduler = this.testnet.scheduler;
    return new Promise<void>((resolve) => {
      let timer = 0;
      const done = (): void => {
        scheduler.clearTimeout(timer);
        if (this.job === controller) this.job = null;
        resolve();
      };
      timer = scheduler.setTimeout(done, IDLE_WAIT_MS);
      controller.signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Runs `fn` once every earlier user of the pool is done. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.lock.then(fn);
    this.lock = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private sample(t: number, hashes: number): void {
    const s = this.samples;
    s.push({ t, hashes });
    while (s.length > 2 && s[1]!.t <= t - RATE_WINDOW_MS) s.shift();
  }
}

/** The factory a real-time Lab takes (LabOptions.realMiners). */
export const createRealTimeMiners = (testnet: Testnet, threads: number): RealTimeMiners => new RealTimeMiners(testnet, { threads });

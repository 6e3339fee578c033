// Traffic: wallets paying each other at a configurable rate, with random amounts and fee rates.

import { InputError, RuleError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import type { Testnet } from '../network/testnet.ts';

const ADDRESS_POOL = 16;

export interface TrafficOptions {
  /** Payments per second (Poisson). */
  rate: number;
  /** Amount range, satoshis. */
  minAmount?: bigint;
  maxAmount?: bigint;
  /** Fee-rate range, sat/vB. */
  minFeeRate?: number;
  maxFeeRate?: number;
}

export interface TrafficStats {
  sent: number;
  refused: number;
  noFunds: number;
}

export class TrafficGenerator {
  readonly stats: TrafficStats = { sent: 0, refused: 0, noFunds: 0 };
  private readonly testnet: Testnet;
  private readonly rng: Rng;
  private options: Required<TrafficOptions>;
  private timer: number | null = null;

  constructor(testnet: Testnet, o: TrafficOptions) {
    this.testnet = testnet;
    this.rng = testnet.rng.fork('traffic');
    this.options = validate(o);
  }

  configure(o: TrafficOptions): void {
    this.options = validate(o);
  }

  start(): void {
    if (this.timer === null && this.options.rate > 0) this.scheduleNext();
  }

  stop(): void {
    if (this.timer !== null) this.testnet.scheduler.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Makes one payment now between two random running nodes' wallets. */
  payOnce(): boolean {
    const nodes = this.testnet.allNodes().filter((n) => n.running);
    if (nodes.length < 2) return false;
    const from = this.rng.pick(nodes);
    const to = this.rng.pick(nodes.filter((n) => n !== from));
    const o = this.options;
    const span = Number(o.maxAmount - o.minAmount);
    const amount = o.minAmount + BigInt(Math.floor(this.rng.float() * (span + 1)));
    const feeRate = o.minFeeRate + this.rng.float() * (o.maxFeeRate - o.minFeeRate);
    try {
      const tx = this.testnet.wallet(from.id).createPayment({
        chain: from.chain,
        mempool: from.mempool,
        // Addresses from the wallets' derived pools: deriving fresh keys costs more than the payment itself.
        to: [{ scriptPubKey: this.testnet.wallet(to.id).key(this.rng.int(ADDRESS_POOL)).scriptPubKey, value: amount }],
        changeScript: this.testnet.wallet(from.id).key(this.rng.int(ADDRESS_POOL)).scriptPubKey,
        feeRate: Math.round(feeRate * 100) / 100,
      });
      from.submitTx(tx);
      this.stats.sent++;
      return true;
    } catch (e) {
      if (e instanceof InputError) this.stats.noFunds++;
      else if (e instanceof RuleError) this.stats.refused++;
      else throw e;
      return false;
    }
  }

  private scheduleNext(): void {
    this.timer = this.testnet.scheduler.setTimeout(() => {
      this.payOnce();
      this.scheduleNext();
    }, this.rng.exponential(this.options.rate / 1000));
  }
}

function validate(o: TrafficOptions): Required<TrafficOptions> {
  if (!(o.rate >= 0 && Number.isFinite(o.rate))) throw new InputError('bad-rate', `traffic rate: expected payments per second >= 0, got ${o.rate}`);
  const r = { minAmount: 10_000n, maxAmount: 5_000_000n, minFeeRate: 1, maxFeeRate: 20, ...o };
  if (r.minAmount <= 0n || r.maxAmount < r.minAmount) throw new InputError('bad-amount', `traffic amounts: expected 0 < min <= max, got ${r.minAmount}..${r.maxAmount}`);
  if (!(r.minFeeRate >= 1 && r.maxFeeRate >= r.minFeeRate)) throw new InputError('bad-fee-rate', `traffic fee rates: expected 1 <= min <= max, got ${r.minFeeRate}..${r.maxFeeRate}`);
  return r;
}

// Monte Carlo of the double-spend race and the selfish-mining state machine, driven by an injected Rng.

import { InputError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import {
  checkAttackerShare,
  checkConfirmations,
  checkPoolShare,
  checkTieShare,
  exactDoubleSpendProbability,
  nakamotoProbability,
  selfishRevenueShare,
} from './theory.ts';

/** Two-sided standard normal quantiles for the intervals the simulations report and the tests use. */
export const Z_95 = 1.959963984540054;
export const Z_999 = 3.2905267314919255;

/**
 * The walk after the merchant's acceptance stops once the attacker is this far behind that his remaining
 * chance (q/p)^deficit is below TAIL_NEGLIGIBLE (but at most MAX_WALK_DEFICIT behind, which matters only for
 * q close to 1/2); the remaining chance is then drawn as one Bernoulli trial, so the estimate stays unbiased.
 */
const TAIL_NEGLIGIBLE = 1e-6;
const MAX_WALK_DEFICIT = 256;
const TWO_POW_32 = 0x1_0000_0000;

export interface DoubleSpendParams {
  /** The attacker's share of the hash rate, in (0, 1). */
  q: number;
  /** Confirmations the merchant waits for, the payment block included. */
  z: number;
  trials: number;
  rng: Rng;
}

export interface DoubleSpendResult {
  q: number;
  z: number;
  trials: number;
  successes: number;
  successRate: number;
  /** Wilson score interval for the success probability at 95%. */
  ci95: [number, number];
  /** Nakamoto's Poisson approximation (whitepaper section 11) for the same q and z. */
  analytic: number;
  /** The exact probability of the race simulated here (Rosenfeld 2014). */
  exact: number;
}

/**
 * Plays the race that `exactDoubleSpendProbability` describes, `trials` times, block by block: every next
 * block is the attacker's with probability q (as a uint32 threshold, so q is rounded to a multiple of 2^-32);
 * the attacker mines from the moment the honest miners start on the payment block; the merchant accepts when
 * the honest branch holds z blocks (payment block included); from then on the attacker wins as soon as his
 * branch is at least as long as the honest one. A walk that falls behind by the cut-off deficit d ends with one
 * draw of probability (q/p)^d, the gambler's-ruin chance of ever coming back, so no trial is cut short unfairly.
 */
export function simulateDoubleSpend({ q, z, trials, rng }: DoubleSpendParams): DoubleSpendResult {
  checkAttackerShare(q);
  checkConfirmations(z);
  checkCount(trials, 'bad-trials', 'trials');
  const p = 1 - q;
  const ratio = q / p;
  const attackerBelow = Math.floor(q * TWO_POW_32); // next() < attackerBelow: the block is the attacker's
  const cutoff = q >= p ? 1 : Math.max(1, Math.min(MAX_WALK_DEFICIT, Math.ceil(Math.log(TAIL_NEGLIGIBLE) / Math.log(ratio))));
  let successes = 0;
  for (let t = 0; t < trials; t++) {
    // Until the merchant accepts: count the attacker's blocks while the honest miners find z.
    let deficit = z;
    for (let honest = 0; honest < z; ) {
      if (rng.next() < attackerBelow) deficit--;
      else honest++;
    }
    // After acceptance: the attacker wins on reaching deficit 0; one block at a time until the cut-off.
    while (deficit > 0 && deficit < cutoff) {
      if (rng.next() < attackerBelow) deficit--;
      else deficit++;
    }
    if (deficit <= 0 || rng.float() < ratio ** deficit) successes++;
  }
  return {
    q,
    z,
    trials,
    successes,
    successRate: successes / trials,
    ci95: wilsonInterval(successes, trials, Z_95),
    analytic: nakamotoProbability(q, z),
    exact: exactDoubleSpendProbability(q, z),
  };
}

export interface SelfishParams {
  /** The selfish pool's share of the hash rate, in (0, 1). */
  alpha: number;
  /** The share of honest miners that build on the pool's block when two branches tie, in [0, 1]. */
  gamma: number;
  /** How many block discoveries to simulate. */
  blocks: number;
  rng: Rng;
}

export interface SelfishResult {
  alpha: number;
  gamma: number;
  blocks: number;
  /** The pool's blocks that are settled in the main chain. */
  poolBlocks: number;
  /** The honest miners' blocks that are settled in the main chain. */
  honestBlocks: number;
  /** poolBlocks / (poolBlocks + honestBlocks); 0 while nothing has settled. */
  revenueShare: number;
  /** Eyal & Sirer's closed form for the same alpha and gamma. */
  analytic: number;
}

/**
 * Eyal & Sirer's selfish-mining state machine over `blocks` block discoveries. The state is the pool's private
 * lead (0, 1, 2, ...) or the tie 0' (two public branches of one block each, the pool's and the honest one).
 * Blocks are counted as the paper's transitions settle them into the main chain:
 *
 *   0:  pool finds -> 1;                     honest finds -> 0, honest +1
 *   1:  pool finds -> 2;                     honest finds -> 0' (the pool publishes its block)
 *   0': pool finds -> 0, pool +2;  honest on the pool's block (share gamma) -> 0, pool +1, honest +1;
 *       honest on the honest block -> 0, honest +2
 *   2:  pool finds -> 3;                     honest finds -> 0, pool +2 (the pool publishes its lead)
 *   n>2: pool finds -> n+1;                  honest finds -> n-1, pool +1 (it publishes one block)
 *
 * Blocks still private, or in a tie, when the run ends are not counted (a bias of order 1/blocks).
 */
export function simulateSelfish({ alpha, gamma, blocks, rng }: SelfishParams): SelfishResult {
  checkPoolShare(alpha);
  checkTieShare(gamma);
  checkCount(blocks, 'bad-blocks', 'blocks');
  const poolBelow = Math.floor(alpha * TWO_POW_32);
  const onPoolBelow = Math.floor(gamma * TWO_POW_32); // gamma = 1 gives 2^32: every draw is below it
  let lead = 0;
  let tie = false;
  let pool = 0;
  let honest = 0;
  for (let i = 0; i < blocks; i++) {
    const poolFinds = rng.next() < poolBelow;
    if (tie) {
      tie = false;
      if (poolFinds) {
        pool += 2;
      } else if (rng.next() < onPoolBelow) {
        pool++;
        honest++;
      } else {
        honest += 2;
      }
    } else if (poolFinds) {
      lead++;
    } else if (lead === 0) {
      honest++;
    } else if (lead === 1) {
      lead = 0;
      tie = true;
    } else if (lead === 2) {
      lead = 0;
      pool += 2;
    } else {
      lead--;
      pool++;
    }
  }
  const settled = pool + honest;
  return {
    alpha,
    gamma,
    blocks,
    poolBlocks: pool,
    honestBlocks: honest,
    revenueShare: settled === 0 ? 0 : pool / settled,
    analytic: selfishRevenueShare(alpha, gamma),
  };
}

/** Wilson score interval for a binomial proportion, clamped to [0, 1]; `zScore` is the normal quantile. */
export function wilsonInterval(successes: number, trials: number, zScore: number): [number, number] {
  const n = trials;
  const phat = successes / n;
  const z2 = zScore * zScore;
  const denominator = 1 + z2 / n;
  const center = (phat + z2 / (2 * n)) / denominator;
  const half = (zScore / denominator) * Math.sqrt((phat * (1 - phat)) / n + z2 / (4 * n * n));
  return [successes === 0 ? 0 : Math.max(0, center - half), successes === n ? 1 : Math.min(1, center + half)];
}

function checkCount(n: number, code: string, what: string): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new InputError(code, `expected a positive integer number of ${what}, got ${String(n)}`);
  return n;
}

// Closed forms for the attack console: double-spend success (Nakamoto 2008, Rosenfeld 2014) and selfish mining (Eyal & Sirer 2014).

import { InputError } from '../core/errors.ts';

/** Largest confirmation count accepted: the sums below are O(z), and beyond this every answer is 0 or 1 anyway. */
export const MAX_CONFIRMATIONS = 100_000;

/** Returns `q` when it is an attacker's share of the hash rate in (0, 1); throws `bad-q` otherwise. */
export function checkAttackerShare(q: number): number {
  if (typeof q !== 'number' || !(q > 0 && q < 1)) {
    throw new InputError('bad-q', `expected the attacker's hash-rate share in (0, 1), got ${String(q)}`);
  }
  return q;
}

/** Returns `z` when it is a confirmation count (an integer in [0, MAX_CONFIRMATIONS]); throws `bad-z` otherwise. */
export function checkConfirmations(z: number): number {
  if (!Number.isInteger(z) || z < 0 || z > MAX_CONFIRMATIONS) {
    throw new InputError('bad-z', `expected an integer number of confirmations in [0, ${MAX_CONFIRMATIONS}], got ${String(z)}`);
  }
  return z;
}

/** Returns `alpha` when it is a pool's share of the hash rate in (0, 1); throws `bad-alpha` otherwise. */
export function checkPoolShare(alpha: number): number {
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha < 1)) {
    throw new InputError('bad-alpha', `expected the pool's hash-rate share in (0, 1), got ${String(alpha)}`);
  }
  return alpha;
}

/** Returns `gamma` when it is a fraction in [0, 1]; throws `bad-gamma` otherwise. */
export function checkTieShare(gamma: number): number {
  if (typeof gamma !== 'number' || !(gamma >= 0 && gamma <= 1)) {
    throw new InputError('bad-gamma', `expected the share of honest miners that build on the pool's block in a tie, in [0, 1], got ${String(gamma)}`);
  }
  return gamma;
}

/**
 * Nakamoto, "Bitcoin: A Peer-to-Peer Electronic Cash System" (2008), section 11, as published: while the
 * honest miners find z blocks the attacker's progress is taken to be Poisson with mean λ = z·q/p, and from k
 * blocks behind-or-level he catches up with probability (q/p)^(z-k) (gambler's ruin), 1 once k >= z:
 *
 *   P = 1 - Σ_{k=0..z} Poisson(k; λ) · (1 - (q/p)^(z-k)),   and 1 when q >= p.
 *
 * Computed in the algebraically equal form Σ_{k<=z} Poisson(k; λ)(q/p)^(z-k) + P[Poisson(λ) > z], every term
 * positive and in log space, so small probabilities keep their digits (the published C code's `1 - sum` loses
 * them below ~1e-16) and large z does not underflow exp(-λ).
 */
export function nakamotoProbability(q: number, z: number): number {
  checkAttackerShare(q);
  checkConfirmations(z);
  const p = 1 - q;
  if (q >= p) return 1;
  if (z === 0) return 1;
  const lambda = (z * q) / p;
  const logLambda = Math.log(lambda);
  const logRatio = Math.log(q / p);
  let logPoisson = -lambda; // log Poisson(k; λ), starting at k = 0
  let sum = 0;
  for (let k = 0; k <= z; k++) {
    sum += Math.exp(logPoisson + (z - k) * logRatio); // Poisson(k) · (q/p)^(z-k)
    logPoisson += logLambda - Math.log(k + 1);
  }
  // Upper tail Σ_{k>z} Poisson(k; λ): terms shrink by λ/k < 1 since λ < z.
  let term = Math.exp(logPoisson);
  for (let k = z + 1; term > sum * 1e-17 && term > 0; k++) {
    sum += term;
    term *= lambda / (k + 1);
  }
  return Math.min(sum, 1);
}

/**
 * The same race block by block, without the Poisson approximation (Rosenfeld, "Analysis of hashrate-based
 * double spending", 2014). The race it describes, which `simulateDoubleSpend` plays out:
 *
 * - The attacker starts his private branch on the payment block's parent at the moment the honest miners
 *   start on the payment block; every next block anywhere is his with probability q, honest with p = 1 - q.
 * - The merchant waits for z confirmations: the honest branch holds z blocks, the payment block included.
 *   By then the attacker has m blocks, m negative binomial: P(m) = C(m+z-1, m) p^z q^m.
 * - The attacker wins if, from then on, his branch is ever at least as long as the honest one (a tie counts
 *   as a win: Rosenfeld's attacker has one block pre-mined and needs to get strictly ahead, which is the same
 *   walk). From z - m behind that happens with probability (q/p)^(z-m), and surely when m >= z.
 *
 *   r = 1 - Σ_{m=0..z} C(m+z-1, m) (p^z q^m - p^m q^z)   for q < p,   1 for q >= p.
 *
 * Computed as the equal sum of positive terms Σ_{m<=z} C(m+z-1, m) p^m q^z + P[m > z], where P[m > z] (the
 * attacker finds z+1 blocks before the honest miners find z) is P[Binomial(2z, q) > z], in log space.
 * z = 0 is a zero-confirmation payment: the attacker wins surely. Note that the whitepaper reads its z as
 * "blocks after the payment block"; with this race, the same number means blocks including it.
 */
export function exactDoubleSpendProbability(q: number, z: number): number {
  checkAttackerShare(q);
  checkConfirmations(z);
  const p = 1 - q;
  if (q >= p) return 1;
  if (z === 0) return 1;
  const logP = Math.log(p);
  const logQ = Math.log(q);
  // Σ_{m=0..z} C(m+z-1, m) p^m q^z: the attacker is z - m behind and catches up with (q/p)^(z-m).
  let logChoose = 0; // log C(m+z-1, m), starting at m = 0
  let sum = 0;
  for (let m = 0; m <= z; m++) {
    sum += Math.exp(logChoose + m * logP + z * logQ);
    logChoose += Math.log((m + z) / (m + 1));
  }
  // P[Binomial(2z, q) > z] = Σ_{k=z+1..2z} C(2z, k) q^k p^(2z-k), from k = 2z downwards.
  let logBinomial = 2 * z * logQ; // log of the k = 2z term
  for (let k = 2 * z; k > z; k--) {
    sum += Math.exp(logBinomial);
    logBinomial += Math.log(k / (2 * z - k + 1)) + logP - logQ; // term(k-1) / term(k) = k/(2z-k+1) · p/q
  }
  return Math.min(sum, 1);
}

/**
 * Eyal & Sirer, "Majority is not Enough: Bitcoin Mining is Vulnerable" (2014): the selfish pool's
 * share of the main chain's blocks when it has hash-rate share α and a share γ of the honest miners builds on
 * its block during a tie:
 *
 *   R = [α(1-α)²(4α + γ(1-2α)) - α³] / [1 - α(1 + (2-α)α)].
 *
 * The formula is derived for α < 1/2, where it tends to 1 as α → 1/2. At α >= 1/2 the pool's private lead
 * drifts upwards without bound and it eventually owns the whole chain, so this returns 1 there (the formula
 * itself turns meaningless: its denominator changes sign just above 1/2).
 */
export function selfishRevenueShare(alpha: number, gamma: number): number {
  checkPoolShare(alpha);
  checkTieShare(gamma);
  if (alpha >= 0.5) return 1;
  const a = alpha;
  const numerator = a * (1 - a) ** 2 * (4 * a + gamma * (1 - 2 * a)) - a ** 3;
  const denominator = 1 - a * (1 + (2 - a) * a);
  return numerator / denominator;
}

/** Eyal & Sirer: selfish mining pays (R > α) exactly when α > (1 - γ)/(3 - 2γ). */
export function selfishThreshold(gamma: number): number {
  checkTieShare(gamma);
  return (1 - gamma) / (3 - 2 * gamma);
}

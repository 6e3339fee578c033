// Double-spend Monte Carlo speed: simulateDoubleSpend against a textbook Math.random + block-array version of the same race.

import { Rng } from '../src/main/core/rng.ts';
import { simulateDoubleSpend } from '../src/main/attacks/sim.ts';
import { exactDoubleSpendProbability } from '../src/main/attacks/theory.ts';
import { figure, measureRate, type Figure } from './figure.ts';

const Q = 0.1;
const Z = 6;
const CHUNK = 100_000;

type Owner = 'honest' | 'attacker';

/**
 * The same race as simulateDoubleSpend, written the obvious way: each branch an array of block owners, one
 * Math.random() per block, and the same cut-off (the deficit where (q/p)^deficit drops below 1e-6, then one draw
 * of that probability), so the two differ in implementation only.
 */
function textbookDoubleSpend(q: number, z: number, trials: number): number {
  const p = 1 - q;
  const cutoff = Math.max(1, Math.ceil(Math.log(1e-6) / Math.log(q / p)));
  let successes = 0;
  for (let t = 0; t < trials; t++) {
    const honestBranch: Owner[] = [];
    const attackerBranch: Owner[] = [];
    const mine = (): void => void (Math.random() < q ? attackerBranch.push('attacker') : honestBranch.push('honest'));
    while (honestBranch.length < z) mine();
    for (;;) {
      const behind = honestBranch.length - attackerBranch.length;
      if (behind <= 0) {
        successes++;
        break;
      }
      if (behind >= cutoff) {
        if (Math.random() < (q / p) ** behind) successes++;
        break;
      }
      mine();
    }
  }
  return successes;
}

export function benchSimDoubleSpend(): Figure {
  const rng = new Rng('bench/sim');
  let fastSuccesses = 0;
  let fastTrials = 0;
  const value = measureRate(() => {
    fastSuccesses += simulateDoubleSpend({ q: Q, z: Z, trials: CHUNK, rng }).successes;
    fastTrials += CHUNK;
    return CHUNK;
  }, 2000);
  let textbookSuccesses = 0;
  let textbookTrials = 0;
  const baseline = measureRate(() => {
    textbookSuccesses += textbookDoubleSpend(Q, Z, CHUNK);
    textbookTrials += CHUNK;
    return CHUNK;
  }, 2000);
  const rate = (s: number, n: number): string => (s / n).toExponential(3);
  return figure(
    'attacks.doubleSpendTrials',
    'trials/s',
    value,
    { name: 'textbook Math.random + block arrays', value: baseline },
    { min: 1 },
    `q=${Q} z=${Z}: success rate ${rate(fastSuccesses, fastTrials)} (fast) vs ${rate(textbookSuccesses, textbookTrials)} (textbook), exact ${exactDoubleSpendProbability(Q, Z).toExponential(3)}`,
  );
}

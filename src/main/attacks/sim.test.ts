// Monte Carlo against the closed forms: the double-spend race against Rosenfeld's exact value, selfish mining against Eyal–Sirer.

import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { simulateDoubleSpend, simulateSelfish, wilsonInterval, Z_999 } from './sim.ts';

const SEED = 0x51d;

function expectInputError(fn: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(InputError);
  expect((thrown as InputError).code).toBe(code);
}

describe('simulateDoubleSpend', () => {
  const grid = [0.1, 0.25, 0.4].flatMap((q) => [0, 1, 2, 6].map((z) => ({ q, z })));

  it.each(grid)('q=$q z=$z: the exact probability lies in the 99.9% Wilson interval of 200k trials', ({ q, z }) => {
    const rng = new Rng(SEED).fork(`double-spend/${q}/${z}`);
    const r = simulateDoubleSpend({ q, z, trials: 200_000, rng });
    const [lo, hi] = wilsonInterval(r.successes, r.trials, Z_999);
    expect(r.exact, `seed ${SEED} rate ${r.successRate} in [${lo}, ${hi}]`).toBeGreaterThanOrEqual(lo);
    expect(r.exact, `seed ${SEED} rate ${r.successRate} in [${lo}, ${hi}]`).toBeLessThanOrEqual(hi);
    expect(r.ci95[0]).toBeGreaterThanOrEqual(lo);
    expect(r.ci95[1]).toBeLessThanOrEqual(hi);
  });

  it("tells Nakamoto's approximation apart from the exact race where they differ by far more than the noise", () => {
    // q = 0.1, z = 6: Poisson 0.000243 vs exact 0.000591; q = 0.45, z = 2: Poisson 0.878 vs exact 0.851.
    for (const [q, z] of [[0.1, 6], [0.45, 2]] as const) {
      const r = simulateDoubleSpend({ q, z, trials: 200_000, rng: new Rng(SEED).fork(`poisson/${q}/${z}`) });
      const [lo, hi] = wilsonInterval(r.successes, r.trials, Z_999);
      expect(r.analytic < lo || r.analytic > hi, `analytic ${r.analytic} outside [${lo}, ${hi}]`).toBe(true);
      expect(r.exact >= lo && r.exact <= hi, `exact ${r.exact} inside [${lo}, ${hi}]`).toBe(true);
    }
  });

  it('reports its inputs, the counts and both closed forms; replays exactly from the same seed', () => {
    const a = simulateDoubleSpend({ q: 0.3, z: 2, trials: 10_000, rng: new Rng(1) });
    const b = simulateDoubleSpend({ q: 0.3, z: 2, trials: 10_000, rng: new Rng(1) });
    expect(a).toEqual(b);
    expect(a).toMatchObject({ q: 0.3, z: 2, trials: 10_000 });
    expect(a.successRate).toBe(a.successes / a.trials);
    expect(a.ci95[0]).toBeLessThan(a.successRate);
    expect(a.ci95[1]).toBeGreaterThan(a.successRate);
    expect(a.analytic).toBeCloseTo(0.4457, 4);
    expect(a.exact).toBeCloseTo(0.432, 12);
  });

  it('always succeeds at zero confirmations or with a majority', () => {
    expect(simulateDoubleSpend({ q: 0.01, z: 0, trials: 1000, rng: new Rng(2) }).successes).toBe(1000);
    expect(simulateDoubleSpend({ q: 0.5, z: 6, trials: 1000, rng: new Rng(2) }).successes).toBe(1000);
    expect(simulateDoubleSpend({ q: 0.7, z: 20, trials: 1000, rng: new Rng(2) }).successes).toBe(1000);
  });

  it('rejects bad parameters', () => {
    const rng = new Rng(0);
    expectInputError(() => simulateDoubleSpend({ q: 0, z: 1, trials: 1, rng }), 'bad-q');
    expectInputError(() => simulateDoubleSpend({ q: 0.1, z: -1, trials: 1, rng }), 'bad-z');
    for (const trials of [0, 1.5, -3, Number.NaN]) expectInputError(() => simulateDoubleSpend({ q: 0.1, z: 1, trials, rng }), 'bad-trials');
  });
});

describe('simulateSelfish', () => {
  const cases = [
    { alpha: 0.25, gamma: 0.5 },
    { alpha: 0.33, gamma: 0 },
    { alpha: 0.4, gamma: 1 },
    { alpha: 0.1, gamma: 0 },
    { alpha: 0.3, gamma: 0.75 },
    { alpha: 0.45, gamma: 0.2 },
  ];

  it.each(cases)('alpha=$alpha gamma=$gamma: the revenue share agrees with the closed form within sampling error', ({ alpha, gamma }) => {
    // Batch means: 16 independent runs of 250k blocks; the closed form must lie within 4.1 standard errors of
    // their mean (Student's t with 15 degrees of freedom: two-sided p ≈ 0.001).
    const root = new Rng(SEED).fork(`selfish/${alpha}/${gamma}`);
    const shares = Array.from({ length: 16 }, (_, i) => simulateSelfish({ alpha, gamma, blocks: 250_000, rng: root.fork(`batch-${i}`) }).revenueShare);
    const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
    const sd = Math.sqrt(shares.reduce((s, x) => s + (x - mean) ** 2, 0) / (shares.length - 1));
    const standardError = sd / Math.sqrt(shares.length);
    const analytic = simulateSelfish({ alpha, gamma, blocks: 1, rng: root }).analytic;
    expect(Math.abs(mean - analytic), `seed ${SEED}: mean ${mean}, se ${standardError}, formula ${analytic}`).toBeLessThan(4.1 * standardError);
    expect(standardError).toBeLessThan(0.002); // the test has teeth: the estimate is tight
  });

  it('mines honestly for a tiny pool and takes the whole chain for a majority pool', () => {
    const small = simulateSelfish({ alpha: 0.01, gamma: 0, blocks: 100_000, rng: new Rng(3) });
    expect(small.revenueShare).toBeLessThan(0.01); // selfish mining below the threshold loses revenue
    const majority = simulateSelfish({ alpha: 0.6, gamma: 0, blocks: 100_000, rng: new Rng(3) });
    expect(majority.revenueShare).toBeGreaterThan(0.999); // only the honest blocks before its lead ran away
    expect(majority.analytic).toBe(1);
  });

  it('counts settled blocks only, and replays exactly from the same seed', () => {
    const a = simulateSelfish({ alpha: 0.3, gamma: 0.5, blocks: 50_000, rng: new Rng(4) });
    expect(simulateSelfish({ alpha: 0.3, gamma: 0.5, blocks: 50_000, rng: new Rng(4) })).toEqual(a);
    expect(a.poolBlocks + a.honestBlocks).toBeLessThanOrEqual(a.blocks);
    expect(a.poolBlocks + a.honestBlocks).toBeGreaterThan(a.blocks * 0.7); // about a fifth are orphaned here
    expect(a.revenueShare).toBe(a.poolBlocks / (a.poolBlocks + a.honestBlocks));
  });

  it('rejects bad parameters', () => {
    const rng = new Rng(0);
    expectInputError(() => simulateSelfish({ alpha: 0, gamma: 0, blocks: 1, rng }), 'bad-alpha');
    expectInputError(() => simulateSelfish({ alpha: 0.2, gamma: 2, blocks: 1, rng }), 'bad-gamma');
    expectInputError(() => simulateSelfish({ alpha: 0.2, gamma: 0, blocks: 0, rng }), 'bad-blocks');
  });
});

describe('wilsonInterval', () => {
  it('brackets the observed rate, stays in [0, 1], and is not degenerate at 0 or all successes', () => {
    expect(wilsonInterval(0, 100, 1.96)[0]).toBe(0);
    expect(wilsonInterval(0, 100, 1.96)[1]).toBeGreaterThan(0.03);
    expect(wilsonInterval(100, 100, 1.96)[1]).toBe(1);
    expect(wilsonInterval(100, 100, 1.96)[0]).toBeLessThan(0.97);
    const [lo, hi] = wilsonInterval(50, 100, 1.959963984540054);
    expect(lo).toBeCloseTo(0.4038, 4); // the textbook value for 50/100
    expect(hi).toBeCloseTo(0.5962, 4);
  });
});

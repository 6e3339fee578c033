// `sim double-spend` and `sim selfish`: Monte Carlo against the closed forms.

import { Rng } from '../core/rng.ts';
import { simulateDoubleSpend, simulateSelfish } from '../attacks/sim.ts';
import { checkAttackerShare, checkConfirmations, checkPoolShare, checkTieShare } from '../attacks/theory.ts';
import { int, num, str, type Command } from './command.ts';

const json = { json: { type: 'boolean' }, help: { type: 'boolean' }, seed: { type: 'string' } } as const;

export const simCommands: Record<string, Command> = {
  'sim double-spend': {
    usage: '--q Q --z Z [--trials N] [--seed S] [--json]   Monte Carlo of the double-spend race vs the whitepaper and the exact formula',
    options: { ...json, q: { type: 'string' }, z: { type: 'string' }, trials: { type: 'string' } },
    run(v) {
      const q = checkAttackerShare(num(v.q, 'q', (x) => x > 0 && x < 1, 'a number in (0, 1)'));
      const z = checkConfirmations(int(v.z, 'z', 0, 100_000));
      const trials = int(v.trials, 'trials', 1, 1_000_000_000, 100_000);
      return simulateDoubleSpend({ q, z, trials, rng: new Rng(str(v.seed, '1')) });
    },
    print: (r) => {
      const x = r as { q: number; z: number; trials: number; successRate: number; ci95: [number, number]; analytic: number; exact: number };
      return `q=${x.q} z=${x.z}: simulated ${x.successRate.toFixed(6)} [${x.ci95[0].toFixed(6)}, ${x.ci95[1].toFixed(6)}] over ${x.trials} trials; whitepaper ${x.analytic.toFixed(6)}; exact ${x.exact.toFixed(6)}`;
    },
  },
  'sim selfish': {
    usage: '--alpha A --gamma G [--blocks N] [--seed S] [--json]   Eyal-Sirer selfish mining: simulated revenue vs the formula',
    options: { ...json, alpha: { type: 'string' }, gamma: { type: 'string' }, blocks: { type: 'string' } },
    run(v) {
      const alpha = checkPoolShare(num(v.alpha, 'alpha', (x) => x > 0 && x < 1, 'a number in (0, 1)'));
      const gamma = checkTieShare(num(v.gamma, 'gamma', (x) => x >= 0 && x <= 1, 'a number in [0, 1]', 0));
      const blocks = int(v.blocks, 'blocks', 1, 1_000_000_000, 1_000_000);
      return simulateSelfish({ alpha, gamma, blocks, rng: new Rng(str(v.seed, '1')) });
    },
    print: (r) => {
      const x = r as { alpha: number; gamma: number; blocks: number; revenueShare: number; analytic: number };
      return `alpha=${x.alpha} gamma=${x.gamma}: simulated revenue share ${x.revenueShare.toFixed(4)} over ${x.blocks} blocks; formula ${x.analytic.toFixed(4)}`;
    },
  },
};

// Selfish mining on the network in virtual time: revenue against Eyal and Sirer's formula and against honest mining.

import { describe, expect, it } from 'vitest';
import { Lab } from '../network/lab.ts';
import { parseParams } from './attack.ts';
import { selfish } from './selfish.ts';

describe('selfish mining (virtual time)', () => {
  it('a 40% pool with gamma 0.5 earns more than its share, near the formula', async () => {
    const lab = Lab.create({ mode: 'virtual', seed: 'selfish-40', attackerShare: 0.4 });
    const r = await selfish.run(lab, parseParams(selfish, { gamma: 0.5, blocks: 1000 }));
    expect(r.blocks).toBeGreaterThanOrEqual(1000);
    expect(r.revenueShare).toBeGreaterThan(0.4);
    expect(r.gammaMeasured).not.toBeNull();
    // Honest nodes also fork among themselves (300 ms links), which helps the pool a little beyond the formula.
    expect(Math.abs(r.revenueShare - r.analyticMeasuredGamma!)).toBeLessThan(0.08);
    expect(r.orphanedHonestBlocks).toBeGreaterThan(0);
    await lab.close();
  });

  it('a 10% pool with gamma 0 loses by mining selfishly', async () => {
    const lab = Lab.create({ mode: 'virtual', seed: 'selfish-10', attackerShare: 0.1 });
    const r = await selfish.run(lab, parseParams(selfish, { gamma: 0, blocks: 1000 }));
    expect(r.revenueShare).toBeLessThan(0.1);
    await lab.close();
  });
});

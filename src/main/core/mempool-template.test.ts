// The block template's incremental ancestor-package selection against the plain definition: at every step take the
// transaction whose package of unchosen ancestors has the highest fee rate (first in mempool order on a tie).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Lab } from '../network/lab.ts';
import type { Mempool, MempoolEntry } from './mempool.ts';

/** The definition, recomputing every package at every step (quadratic; fine for a test). */
function referenceTemplate(pool: Mempool, maxWeight: number): string[] {
  const entries = new Map<string, MempoolEntry>([...pool.all()].map((e) => [e.txid, e]));
  const chosen = new Set<string>();
  const skipped = new Set<string>();
  const out: string[] = [];
  let weight = 0;
  const ancestors = (id: string): string[] => {
    const seen = new Set<string>();
    const stack = [id];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (seen.has(x) || chosen.has(x)) continue;
      seen.add(x);
      stack.push(...entries.get(x)!.parents);
    }
    return [...seen];
  };
  for (;;) {
    let best: { members: string[]; rate: number; weight: number } | undefined;
    for (const e of entries.values()) {
      if (chosen.has(e.txid) || skipped.has(e.txid)) continue;
      const members = ancestors(e.txid);
      const fee = members.reduce((s, m) => s + entries.get(m)!.fee, 0n);
      const vsize = members.reduce((s, m) => s + entries.get(m)!.vsize, 0);
      const rate = Number(fee) / vsize;
      if (!best || rate > best.rate) best = { members, rate, weight: members.reduce((s, m) => s + entries.get(m)!.tx.weight, 0) };
    }
    if (!best) break;
    if (weight + best.weight > maxWeight) {
      for (const m of best.members) skipped.add(m);
      continue;
    }
    // Parents first, as the template orders them.
    const set = new Set(best.members);
    const visit = (id: string): void => {
      if (chosen.has(id)) return;
      chosen.add(id);
      for (const p of entries.get(id)!.parents) if (set.has(p)) visit(p);
      out.push(id);
    };
    for (const m of best.members) visit(m);
    weight += best.weight;
  }
  return out;
}

describe('block template', () => {
  it('chooses exactly what the plain ancestor-fee-rate definition chooses, under any weight limit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 2_000, max: 200_000 }), async (seed, maxWeight) => {
        // Traffic without mining builds chains of unconfirmed payments (change spent again) with mixed fee rates.
        const lab = Lab.create({ mode: 'virtual', seed: `template-${seed}`, attackerShare: 0 });
        try {
          lab.miners.start();
          await lab.sleep(4 * 60_000);
          await lab.miners.stop();
          lab.startTraffic({ rate: 2, minFeeRate: 1, maxFeeRate: 40 });
          await lab.sleep(60_000);
          const pool = lab.testnet.node('h0').mempool;
          expect(pool.size).toBeGreaterThan(10);
          expect(pool.blockTemplate(maxWeight).txs.map((t) => t.id)).toEqual(referenceTemplate(pool, maxWeight));
        } finally {
          await lab.close();
        }
      }),
      { numRuns: 8 },
    );
  });
});

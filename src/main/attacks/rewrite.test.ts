// The history-rewrite attack in virtual time: censor and replace transactions of the last blocks.

import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import { Lab, ATTACKER } from '../network/lab.ts';
import { parseParams } from './attack.ts';
import { rewrite } from './rewrite.ts';

async function labWithHistory(seed: string, q: number) {
  const lab = Lab.create({ mode: 'virtual', seed, attackerShare: q });
  lab.miners.start();
  lab.startTraffic({ rate: 1 });
  await lab.sleep(4 * 60_000);
  lab.traffic!.stop();
  await lab.miners.stop();
  await lab.waitFor(() => lab.testnet.converged(), 60_000);
  return lab;
}

describe('history rewrite (virtual time)', () => {
  it('a 70% attacker rewrites the last blocks, censoring one transaction and replacing its own', async () => {
    const lab = await labWithHistory('rewrite', 0.7);
    const chain = lab.attacker.chain;
    const from = chain.height - 3;
    // Pick a transaction of someone else to censor, and one paid by the attacker to replace.
    const txsFrom = (h: number) => chain.getBlock(chain.entryAtHeight(h)!.id)!.txs.slice(1);
    const recent = [from, from + 1, from + 2, from + 3].flatMap(txsFrom);
    expect(recent.length).toBeGreaterThan(2);
    const attackerWallet = lab.testnet.wallet(ATTACKER);
    // A transaction paid from the attacker's coins (its undo data says whose coins it spent).
    const ownIds = new Set<string>();
    for (let h = from; h <= chain.height; h++) {
      const undo = chain.getUndo(chain.entryAtHeight(h)!.id)!;
      txsFrom(h).forEach((tx, i) => {
        if (undo.spent[i]!.every((c) => attackerWallet.isMine(c.scriptPubKey))) ownIds.add(tx.id);
      });
    }
    const own = recent.find((tx) => ownIds.has(tx.id));
    const other = recent.find((tx) => !ownIds.has(tx.id))!;
    const censor = own ? [other.id, own.id] : [other.id];
    const report = await rewrite.run(lab, parseParams(rewrite, { fromHeight: from, censor, replace: true }));
    expect(report.success, report.reason).toBe(true);
    if (own) expect(report.replacements.map((r) => r.censored)).toContain(own.id);
    expect(report.replacedBlocks).toBe(4);
    expect(report.reorgDepth.h0).toBeGreaterThanOrEqual(4);
    expect(report.reversedTxids).toContain(other.id);
    const h0 = lab.testnet.node('h0');
    for (let h = from; h <= h0.chain.height; h++) {
      const ids = h0.chain.getBlock(h0.chain.entryAtHeight(h)!.id)!.txs.map((t) => t.id);
      for (const c of censor) expect(ids).not.toContain(c);
    }
    await lab.close();
  });

  it('refuses a block that does not exist, changing nothing', async () => {
    const lab = Lab.create({ mode: 'virtual', seed: 'rw-bad', attackerShare: 0.6 });
    const tip = lab.attacker.chain.tip.id;
    await expect(rewrite.run(lab, parseParams(rewrite, { fromHeight: 50 }))).rejects.toThrow(InputError);
    await expect(rewrite.run(lab, parseParams(rewrite, { fromHash: 'ab'.repeat(32) }))).rejects.toThrow(/not on the attacker's best chain/);
    expect(() => parseParams(rewrite, { fromHeight: 3, fromHash: 'ab'.repeat(32) })).toThrow(/exactly one/);
    expect(lab.attacker.chain.tip.id).toBe(tip);
    await lab.close();
  });
});

// The double-spend attack on the full in-process network in virtual time, with fixed seeds.

import { describe, expect, it } from 'vitest';
import { Lab } from '../network/lab.ts';
import { doubleSpend } from './double-spend.ts';
import { parseParams } from './attack.ts';
import { InputError } from '../core/errors.ts';
import { Chainstate } from '../core/chainstate.ts';
import { SignatureChecker } from '../core/signatures.ts';
import { wasmSchnorr } from '../crypto/fast-schnorr.ts';
import type { Node } from '../node/node.ts';

function replayDigest(node: Node): string {
  const fresh = new Chainstate(node.chain.params, { now: () => node.chain.tip.header.time + 10_000, checker: new SignatureChecker(wasmSchnorr) });
  for (let h = 1; h <= node.chain.height; h++) fresh.processBlock(node.chain.getBlock(node.chain.entryAtHeight(h)!.id)!);
  return fresh.utxo.digest();
}

describe('double-spend attack (virtual time)', () => {
  it('a majority attacker reverses a 2-confirmation payment', async () => {
    const lab = Lab.create({ mode: 'virtual', seed: 'ds-majority', attackerShare: 0.7 });
    const report = await doubleSpend.run(lab, parseParams(doubleSpend, { z: 2 }));
    expect(report.success).toBe(true);
    expect(report.reversedTxids).toContain(report.payment);
    expect(report.doubleSpent.length).toBeGreaterThan(0);
    expect(report.reorgDepth.h0).toBeGreaterThanOrEqual(2);
    expect(report.branches.length).toBeGreaterThan(0);
    const merchant = lab.testnet.node('h0');
    expect(merchant.mempool.doubleSpends.map((d) => d.txid)).toContain(report.payment);
    for (const node of lab.testnet.allNodes()) expect(node.chain.utxo.digest()).toBe(replayDigest(node));
    await lab.close();
  });

  it('a small attacker gives up against 6 confirmations', async () => {
    const lab = Lab.create({ mode: 'virtual', seed: 'ds-minority', attackerShare: 0.1 });
    const report = await doubleSpend.run(lab, parseParams(doubleSpend, { z: 6, giveUpDeficit: 4 }));
    expect(report.success).toBe(false);
    expect(report.gaveUp).toBe(true);
    expect(report.reversedTxids).toEqual([]);
    await lab.close();
  });

  it('is replayable: the same seed gives the same report', async () => {
    const run = async () => {
      const lab = Lab.create({ mode: 'virtual', seed: 'ds-replay', attackerShare: 0.55 });
      const r = await doubleSpend.run(lab, parseParams(doubleSpend, { z: 1 }));
      await lab.close();
      return JSON.stringify(r);
    };
    expect(await run()).toBe(await run());
  });

  it('rejects bad parameters with a clear error', () => {
    expect(() => parseParams(doubleSpend, { z: -1 })).toThrow(InputError);
    expect(() => parseParams(doubleSpend, { z: -1 })).toThrow(/z/);
    const lab = Lab.create({ mode: 'virtual', seed: 'x', attackerShare: 0.3 });
    return expect(doubleSpend.run(lab, parseParams(doubleSpend, { merchant: 'nobody' }))).rejects.toThrow(/unknown node "nobody"/);
  });
});

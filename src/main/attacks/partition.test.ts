// The partition attack on the full in-process network in virtual time, with fixed seeds.

import { describe, expect, it } from 'vitest';
import { Chainstate } from '../core/chainstate.ts';
import { InputError } from '../core/errors.ts';
import { SignatureChecker } from '../core/signatures.ts';
import { wasmSchnorr } from '../crypto/fast-schnorr.ts';
import { Lab } from '../network/lab.ts';
import type { Node } from '../node/node.ts';
import { parseParams } from './attack.ts';
import { partition } from './partition.ts';

function replayDigest(node: Node): string {
  const fresh = new Chainstate(node.chain.params, { now: () => node.chain.tip.header.time + 10_000, checker: new SignatureChecker(wasmSchnorr) });
  for (let h = 1; h <= node.chain.height; h++) fresh.processBlock(node.chain.getBlock(node.chain.entryAtHeight(h)!.id)!);
  return fresh.utxo.digest();
}

function snapshot(lab: Lab): string {
  return JSON.stringify({ now: lab.now(), tips: lab.testnet.tips(), links: lab.testnet.network.allLinks().map((l) => [l.a, l.b, l.up]), mining: lab.miners.running });
}

describe('partition (virtual time)', () => {
  it('both sides mine apart; after the heal the lighter side reorganises and every node agrees', async () => {
    const lab = Lab.create({ mode: 'virtual', seed: 'partition-default', attackerShare: 0.2 });
    const report = await partition.run(lab, parseParams(partition, {}));
    const [left, right] = report.groups as [string[], string[]];
    expect(report.tipsBeforeHeal.h0!.tip).not.toBe(report.tipsBeforeHeal.h2!.tip);
    expect(report.converged).toBe(true);
    expect(report.convergeMs).toBeLessThan(parseParams(partition, {}).settleMs);
    expect(lab.testnet.converged()).toBe(true);

    // The losing side is the one whose pre-heal tip is not in the final chain; each of its nodes reorganised.
    const final = lab.testnet.node('h0').chain;
    const onFinal = (id: string) => {
      const e = final.getEntry(report.tipsBeforeHeal[id]!.tip);
      return !!e && final.isInActiveChain(e);
    };
    const losers = [left, right].filter((g) => !g.every(onFinal));
    expect(losers).toHaveLength(1);
    for (const id of losers[0]!) expect(report.reorgDepth[id], id).toBeGreaterThan(0);
    expect(report.orphanedBlocks).toBeGreaterThan(0);

    // Reversed payments either went back to a mempool or were lost, never both; none is in the final chain.
    expect(report.lostTxids.length + report.returnedToMempool.length).toBeGreaterThan(0);
    expect(report.lostTxids.filter((id) => report.returnedToMempool.includes(id))).toEqual([]);
    for (const node of lab.testnet.allNodes()) {
      for (const id of report.lostTxids) expect(node.mempool.has(id)).toBe(false);
      expect(node.chain.utxo.digest()).toBe(replayDigest(node));
    }
    expect(lab.miners.running).toBe(false);
    expect(lab.testnet.network.allLinks().every((l) => l.up)).toBe(true);
    await lab.close();
  });

  it('is replayable: the same seed gives the same report', async () => {
    const run = async () => {
      const lab = Lab.create({ mode: 'virtual', seed: 'partition-replay', attackerShare: 0.3 });
      const r = await partition.run(lab, parseParams(partition, { groups: [['h0'], ['h1', 'h2', 'h3', 'attacker']], durationMs: 60_000, traffic: 0.5 }));
      await lab.close();
      return JSON.stringify(r);
    };
    expect(await run()).toBe(await run());
  });

  it('rejects bad groups with a clear error and changes nothing', async () => {
    expect(() => parseParams(partition, { groups: [['h0'], []] })).toThrow(InputError);
    expect(() => parseParams(partition, { groups: [['h0'], []] })).toThrow(/partition: groups\.1: expected at least one node/);
    expect(() => parseParams(partition, { groups: [['h0', 'h1']] })).toThrow(/at least two groups/);
    expect(() => parseParams(partition, { durationMs: 0 })).toThrow(/durationMs/);
    const lab = Lab.create({ mode: 'virtual', seed: 'partition-bad-input', attackerShare: 0.2 });
    const before = snapshot(lab);
    await expect(partition.run(lab, parseParams(partition, { groups: [['h0'], ['nobody']] }))).rejects.toThrow(/groups\.1: unknown node "nobody"/);
    await expect(partition.run(lab, parseParams(partition, { groups: [['h0', 'h1'], ['h1', 'h2']] }))).rejects.toThrow(/node "h1" is in group 0 and group 1/);
    await expect(partition.run(lab, { groups: [['h0'], []], durationMs: 1000, traffic: 0, settleMs: 1000 })).rejects.toThrow(InputError);
    expect(snapshot(lab)).toBe(before);
  });
});

// The byzantine-blocks attack on the full in-process network in virtual time, with fixed seeds.

import { describe, expect, it } from 'vitest';
import { Chainstate } from '../core/chainstate.ts';
import { InputError } from '../core/errors.ts';
import { SignatureChecker } from '../core/signatures.ts';
import { wasmSchnorr } from '../crypto/fast-schnorr.ts';
import { ATTACKER, Lab } from '../network/lab.ts';
import type { Node } from '../node/node.ts';
import { parseParams } from './attack.ts';
import { BYZANTINE_KINDS, EXPECTED_CODES, byzantine } from './byzantine.ts';

function replayDigest(node: Node): string {
  const fresh = new Chainstate(node.chain.params, { now: () => node.chain.tip.header.time + 10_000, checker: new SignatureChecker(wasmSchnorr) });
  for (let h = 1; h <= node.chain.height; h++) fresh.processBlock(node.chain.getBlock(node.chain.entryAtHeight(h)!.id)!);
  return fresh.utxo.digest();
}

function snapshot(lab: Lab): string {
  return JSON.stringify({ now: lab.now(), tips: lab.testnet.tips(), links: lab.testnet.network.allLinks().map((l) => [l.a, l.b, l.up]), banned: lab.honestNodes().map((n) => [...n.banned]) });
}

describe('byzantine blocks (virtual time)', () => {
  it('every honest node rejects every kind with its own code and keeps its chain', async () => {
    // A ban threshold high enough that the attacker stays connected for all seven kinds.
    const lab = Lab.create({ mode: 'virtual', seed: 'byzantine-all', attackerShare: 0.2, banThreshold: 10_000 });
    const report = await byzantine.run(lab, parseParams(byzantine, {}));
    expect(report.kinds.map((k) => k.kind)).toEqual([...BYZANTINE_KINDS]);
    for (const k of report.kinds) {
      expect(k.expectedCode).toBe(EXPECTED_CODES[k.kind]);
      for (const id of lab.honestIds) {
        expect(k.rejectedBy[id], `${k.kind} at ${id}`).toBe(EXPECTED_CODES[k.kind]);
        expect(k.sentFrom[id]).toBe(ATTACKER);
      }
    }
    // child-of-invalid builds on the excess-coinbase block, which passes context-free checks.
    const child = report.kinds.find((k) => k.kind === 'child-of-invalid')!;
    expect(child.parentId).toBe(report.kinds.find((k) => k.kind === 'excess-coinbase')!.blockId);
    expect(report.honestTipUnaffected).toBe(true);
    expect(report.honestChainValid).toBe(true);
    expect(report.bannedBy).toEqual({ h0: null, h1: null, h2: null, h3: null });
    for (const node of lab.honestNodes()) {
      // Six punishable blocks at 100 points each; a block from the future is not the sender's fault.
      expect(node.peer(ATTACKER)!.misbehaviour).toBe(600);
      for (const k of report.kinds) {
        const e = node.chain.getEntry(k.blockId);
        if (e) expect(node.chain.isInActiveChain(e)).toBe(false);
      }
    }
    expect(lab.testnet.converged()).toBe(true);
    for (const node of lab.testnet.allNodes()) expect(node.chain.utxo.digest()).toBe(replayDigest(node));
    await lab.close();
  });

  it('with the default ban threshold, kinds after a ban arrive over fresh connections', async () => {
    const lab = Lab.create({ mode: 'virtual', seed: 'byzantine-bans', attackerShare: 0.2 });
    const heightBefore = lab.testnet.node('h0').chain.height;
    const report = await byzantine.run(lab, parseParams(byzantine, { kinds: ['time-too-new', 'child-of-invalid', 'bad-pow'] }));
    const [future, child, pow] = report.kinds;
    for (const id of lab.honestIds) {
      expect(future!.rejectedBy[id]).toBe('time-too-new');
      expect(future!.sentFrom[id]).toBe(ATTACKER); // not punished: the attacker keeps its links
      expect(child!.rejectedBy[id]).toBe('bad-prevblk');
      expect(child!.sentFrom[id]).not.toBe(ATTACKER); // the parent got the attacker banned
      expect(pow!.rejectedBy[id]).toBe('high-hash');
      expect(pow!.sentFrom[id]).not.toBe(ATTACKER);
    }
    expect(child!.parentId).toBeDefined();
    expect(report.bannedBy).toEqual({ h0: 'bad-cb-amount', h1: 'bad-cb-amount', h2: 'bad-cb-amount', h3: 'bad-cb-amount' });
    expect(report.honestTipUnaffected).toBe(true);
    expect(report.honestChainValid).toBe(true);
    // No funding was needed; only the one honest block that checks agreement was mined.
    expect(lab.testnet.node('h0').chain.height).toBe(heightBefore + 1);
    expect(lab.testnet.network.ids().filter((id) => id.startsWith(`${ATTACKER}-fresh`))).toEqual([]);
    for (const node of lab.honestNodes()) expect(node.chain.utxo.digest()).toBe(replayDigest(node));
    await lab.close();
  });

  it('is replayable: the same seed gives the same report', async () => {
    const run = async () => {
      const lab = Lab.create({ mode: 'virtual', seed: 'byzantine-replay', attackerShare: 0.3, banThreshold: 1_000 });
      const r = await byzantine.run(lab, parseParams(byzantine, { kinds: ['double-spend', 'bad-signature'] }));
      await lab.close();
      return JSON.stringify(r);
    };
    expect(await run()).toBe(await run());
  });

  it('rejects bad parameters with a clear error and changes nothing', async () => {
    expect(() => parseParams(byzantine, { kinds: ['bad-pow', 'no-such-kind'] })).toThrow(InputError);
    expect(() => parseParams(byzantine, { kinds: ['bad-pow', 'no-such-kind'] })).toThrow(/byzantine: kinds\.1: .*bad-pow/);
    expect(() => parseParams(byzantine, { kinds: [] })).toThrow(/kinds/);
    expect(() => parseParams(byzantine, { kinds: ['bad-pow', 'bad-pow'] })).toThrow(/at most once/);
    // Kinds that need coins on a lab whose attacker has no miner: refused before any block is mined.
    const lab = Lab.create({ mode: 'virtual', seed: 'byzantine-bad-input', attackerShare: 0 });
    const before = snapshot(lab);
    await expect(byzantine.run(lab, parseParams(byzantine, { kinds: ['double-spend'] }))).rejects.toThrow(/no attacker miner/);
    expect(snapshot(lab)).toBe(before);
    expect(lab.miners.running).toBe(false);
  });
});

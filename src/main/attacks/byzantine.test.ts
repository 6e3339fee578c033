// The byzantine-blocks attack on the full in-process network in virtual time, with fixed seeds.

import { describe, expect, it } from 'vitest';
import type { Block } from '../core/block.ts';
import { bytesToHexReversed } from '../core/bytes.ts';
import { Chainstate } from '../core/chainstate.ts';
import { InputError } from '../core/errors.ts';
import { blockSubsidy } from '../core/params.ts';
import { SignatureChecker } from '../core/signatures.ts';
import { Transaction, outpointKey } from '../core/tx.ts';
import { buildTemplate, solveEasy } from '../miner/miner.ts';
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

/** A fresh chainstate holding `node`'s active chain up to the parent of `block`. */
function replayToParentOf(node: Node, block: Block): Chainstate {
  const parent = node.chain.getEntry(bytesToHexReversed(block.header.prevHash))!;
  const fresh = new Chainstate(node.chain.params, { now: () => block.header.time + 10_000, checker: new SignatureChecker(wasmSchnorr) });
  for (let h = 1; h <= parent.height; h++) fresh.processBlock(node.chain.getBlock(node.chain.entryAtHeight(h)!.id)!);
  expect(fresh.tip.id).toBe(parent.id);
  return fresh;
}

/** Whether a block on `chain`'s tip holding `txs` (and claiming their fees) is valid. */
function connects(chain: Chainstate, txs: Transaction[], fees: bigint): boolean {
  const block = solveEasy(buildTemplate({ chain, txs, fees, payoutScript: new Uint8Array([0x51]), now: chain.tip.header.time + 1 }));
  return chain.processBlock(block).status === 'connected';
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

  it('each block has exactly its one defect: without it, the block would be valid', async () => {
    const lab = Lab.create({ mode: 'virtual', seed: 'byzantine-one-defect', attackerShare: 0.2, banThreshold: 10_000 });
    const report = await byzantine.run(lab, parseParams(byzantine, { kinds: ['excess-coinbase', 'double-spend', 'bad-signature'] }));
    const h0 = lab.testnet.node('h0');
    // These pass every check up to ConnectBlock, so h0 stored them before marking them invalid.
    const stored = (kind: string) => h0.chain.getBlock(report.kinds.find((k) => k.kind === kind)!.blockId)!;

    const excess = stored('excess-coinbase');
    const height = h0.chain.getEntry(excess.id)!.height;
    expect(excess.txs).toHaveLength(1);
    expect(excess.txs[0]!.outputs[0]!.value).toBe(blockSubsidy(height, h0.chain.params) + 1n);

    const ds = stored('double-spend');
    const [, first, second] = ds.txs as [Transaction, Transaction, Transaction];
    expect(first.inputs[0]!.prevout).toEqual(second.inputs[0]!.prevout);
    const coin = replayToParentOf(h0, ds).getCoin(outpointKey(first.inputs[0]!.prevout))!;
    expect(connects(replayToParentOf(h0, ds), [first], coin.value - first.totalOut())).toBe(true);
    expect(connects(replayToParentOf(h0, ds), [second], coin.value - second.totalOut())).toBe(true);

    const badSig = stored('bad-signature');
    const flipped = badSig.txs[1]!;
    const sig = Uint8Array.from(flipped.inputs[0]!.witness[0]!);
    sig[sig.length - 1] = sig[sig.length - 1]! ^ 0x01;
    const restored = new Transaction({ ...flipped, inputs: [{ ...flipped.inputs[0]!, witness: [sig] }] });
    const chain = replayToParentOf(h0, badSig);
    const fee = chain.getCoin(outpointKey(restored.inputs[0]!.prevout))!.value - restored.totalOut();
    expect(connects(chain, [restored], fee)).toBe(true);
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

    // Run again: the banned attacker's node is cut off and behind, yet the blocks build on the honest tip.
    expect(lab.attacker.chain.height).toBeLessThan(lab.testnet.node('h0').chain.height);
    const again = await byzantine.run(lab, parseParams(byzantine, { kinds: ['excess-coinbase'] }));
    for (const id of lab.honestIds) expect(again.kinds[0]!.rejectedBy[id]).toBe('bad-cb-amount');
    expect(again.honestChainValid).toBe(true);
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

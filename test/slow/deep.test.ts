// Deep reorganisations and long virtual-time runs: the UTXO set always equals a replay of the best chain.

import { describe, expect, it } from 'vitest';
import { Chainstate } from '../../src/main/core/chainstate.ts';
import { SignatureChecker } from '../../src/main/core/signatures.ts';
import { wasmSchnorr } from '../../src/main/crypto/fast-schnorr.ts';
import { Lab } from '../../src/main/network/lab.ts';
import type { Node } from '../../src/main/node/node.ts';
import { doubleSpend } from '../../src/main/attacks/double-spend.ts';
import { parseParams } from '../../src/main/attacks/attack.ts';
import { ChainBuilder } from '../support/chain-builder.ts';

function replayDigest(node: Node): string {
  const fresh = new Chainstate(node.chain.params, { now: () => node.chain.tip.header.time + 10_000, checker: new SignatureChecker(wasmSchnorr) });
  for (let h = 1; h <= node.chain.height; h++) expect(fresh.processBlock(node.chain.getBlock(node.chain.entryAtHeight(h)!.id)!).status).toBe('connected');
  return fresh.utxo.digest();
}

describe('deep', () => {
  it('reorganises 5000 blocks deep and back', () => {
    const t = new ChainBuilder();
    const a = t.chainOf('a', 'genesis', 5000);
    const z = t.chainOf('z', 'genesis', 5001);
    for (let i = 1; i <= 5000; i++) t.accept(`a${i}`);
    const depths: number[] = [];
    t.chain.events.on('reorg', (e) => depths.push(e.depth));
    for (let i = 1; i <= 5001; i++) t.accept(`z${i}`);
    expect(t.chain.tip.id).toBe(t.get(z).id);
    t.block('a5001', a);
    t.block('a5002', 'a5001');
    t.accept('a5001');
    t.accept('a5002');
    expect(depths).toEqual([5000, 5001]);
    expect(t.chain.utxo.size).toBe(5002);
  });

  it('an hour of virtual time with traffic and repeated double spends keeps every node consistent', async () => {
    const lab = Lab.create({ mode: 'virtual', seed: 'slow-hour', attackerShare: 0.45 });
    lab.miners.start();
    lab.startTraffic({ rate: 2 });
    for (let i = 0; i < 4; i++) {
      await lab.sleep(10 * 60_000);
      await doubleSpend.run(lab, parseParams(doubleSpend, { z: 1, giveUpDeficit: 3 }));
    }
    lab.traffic!.stop();
    await lab.miners.stop();
    await lab.waitFor(() => lab.testnet.converged(), 120_000);
    for (const node of lab.testnet.allNodes()) expect(node.chain.utxo.digest()).toBe(replayDigest(node));
    await lab.close();
  });
});

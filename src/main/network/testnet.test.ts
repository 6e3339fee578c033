// The network in virtual time: relay, convergence, partitions, restarts, late joiners, misbehaving peers.

import { describe, expect, it } from 'vitest';
import { FORKLAB_SIM } from '../core/params.ts';
import { Chainstate } from '../core/chainstate.ts';
import { SignatureChecker } from '../core/signatures.ts';
import { wasmSchnorr } from '../crypto/fast-schnorr.ts';
import { buildTemplate, solveEasy } from '../miner/miner.ts';
import { VirtualMiners } from '../miner/virtual-miners.ts';
import { TrafficGenerator } from '../node/traffic.ts';
import type { Node } from '../node/node.ts';
import { VirtualScheduler } from './scheduler.ts';
import { Testnet } from './testnet.ts';

function makeNet(seed: string, n = 5) {
  const scheduler = new VirtualScheduler(FORKLAB_SIM.genesis.header.time * 1000 + 60_000);
  const net = new Testnet({ params: FORKLAB_SIM, scheduler, seed });
  const ids = Array.from({ length: n }, (_, i) => `n${i}`);
  for (const id of ids) net.addNode(id);
  const miners = new VirtualMiners(net);
  for (const id of ids) miners.add({ id: `m-${id}`, node: id, share: 1 / n });
  return { net, scheduler, ids, miners };
}

function replayDigest(node: Node): string {
  const fresh = new Chainstate(node.chain.params, { now: () => node.chain.tip.header.time + 10_000, checker: new SignatureChecker(wasmSchnorr) });
  for (let h = 1; h <= node.chain.height; h++) fresh.processBlock(node.chain.getBlock(node.chain.entryAtHeight(h)!.id)!);
  return fresh.utxo.digest();
}

describe('testnet in virtual time', () => {
  it('mines, relays blocks and transactions, and converges; every UTXO set equals a replay', () => {
    const { net, scheduler, ids, miners } = makeNet('relay');
    net.network.fullMesh(ids, { latencyMs: 100, jitterMs: 50 });
    const traffic = new TrafficGenerator(net, { rate: 2 });
    miners.start();
    traffic.start();
    scheduler.runFor(10 * 60_000);
    traffic.stop();
    miners.stop();
    scheduler.runFor(10_000);
    expect(net.converged()).toBe(true);
    const n0 = net.node('n0');
    expect(n0.chain.height).toBeGreaterThan(100);
    expect(traffic.stats.sent).toBeGreaterThan(100);
    // Transactions made it into blocks.
    let txs = 0;
    for (let h = 1; h <= n0.chain.height; h++) txs += n0.chain.getBlock(n0.chain.entryAtHeight(h)!.id)!.txs.length - 1;
    expect(txs).toBeGreaterThan(50);
    for (const id of ids) expect(net.node(id).chain.utxo.digest()).toBe(replayDigest(net.node(id)));
  });

  it('replays exactly: the same seed gives the same block hashes', () => {
    const run = (seed: string) => {
      const { net, scheduler, ids, miners } = makeNet(seed, 4);
      net.network.ring(ids, { latencyMs: 200, jitterMs: 100 });
      miners.start();
      scheduler.runFor(5 * 60_000);
      return net.tips().map((t) => t.tip).join(',');
    };
    expect(run('same')).toBe(run('same'));
    expect(run('same')).not.toBe(run('other'));
  });

  it('partitions: both sides mine, and after healing every node reaches the same tip', () => {
    const { net, scheduler, ids, miners } = makeNet('partition', 6);
    net.network.randomRegular(ids, 3, { latencyMs: 80 });
    miners.start();
    scheduler.runFor(60_000);
    const depths: number[] = [];
    for (const id of ids) net.node(id).chain.events.on('reorg', (e) => depths.push(e.depth));
    net.partition([ids.slice(0, 3), ids.slice(3)]);
    scheduler.runFor(5 * 60_000);
    expect(net.node('n0').chain.tip.id).not.toBe(net.node('n5').chain.tip.id);
    net.heal();
    // Miners keep going: two sides of equal work only resolve with the next block.
    const ok = scheduler.runUntilCondition(() => net.converged(), 5 * 60_000);
    miners.stop();
    expect(ok).toBe(true);
    expect(Math.max(...depths)).toBeGreaterThan(1);
  });

  it('a stopped node keeps its state and catches up by headers-first sync from several peers', () => {
    const { net, scheduler, ids, miners } = makeNet('restart', 4);
    net.network.fullMesh(ids, { latencyMs: 50 });
    miners.start();
    scheduler.runFor(60_000);
    const late = net.node('n3');
    late.stop();
    const heightAtStop = late.chain.height;
    scheduler.runFor(10 * 60_000);
    expect(late.chain.height).toBe(heightAtStop);
    miners.stop();
    late.start();
    expect(scheduler.runUntilCondition(() => net.converged(), 60_000)).toBe(true);
    expect(late.chain.height).toBeGreaterThan(heightAtStop + 50);
  });

  it('a node added at run time syncs the whole chain', () => {
    const { net, scheduler, ids, miners } = makeNet('join', 3);
    net.network.fullMesh(ids);
    miners.start();
    scheduler.runFor(5 * 60_000);
    miners.stop();
    net.addNode('fresh');
    for (const id of ids) net.connect('fresh', id);
    expect(scheduler.runUntilCondition(() => net.converged(), 60_000)).toBe(true);
    expect(net.node('fresh').chain.height).toBe(net.node('n0').chain.height);
  });

  it('disconnects a peer that sends invalid blocks, and records why', () => {
    const { net, scheduler, ids, miners } = makeNet('ban', 3);
    net.network.fullMesh(ids);
    miners.start();
    scheduler.runFor(60_000);
    miners.stop();
    const evil = net.node('n2');
    const victim = net.node('n0');
    const tipBefore = victim.chain.tip.id;
    // A block paying itself too much, offered directly.
    const good = miners.mineWith(miners.get('m-n1')!); // honest block, announced
    scheduler.runFor(1_000);
    void good;

    const bad = solveEasy(buildTemplate({ chain: evil.chain, payoutScript: net.wallet('n2').primary.scriptPubKey, now: scheduler.now() / 1000, fees: 1n }));
    evil.pushBlock(bad);
    scheduler.runFor(1_000);
    expect(victim.chain.rejections.at(-1)).toMatchObject({ id: bad.id, code: 'bad-cb-amount', source: 'n2' });
    expect(victim.banned.get('n2')).toBe('bad-cb-amount');
    expect(net.network.link('n0', 'n2')).toBeUndefined();
    expect(victim.chain.tip.id).not.toBe(bad.id);
    expect(victim.chain.tip.id === tipBefore || victim.chain.height > 0).toBe(true);
  });
});

// Real-time mining on a two-node network: relay, hash-power shares, stopped nodes, stop(), mineNow() and shutdown.

import { afterAll, describe, expect, it } from 'vitest';
import { createForklabNetwork } from '../core/params.ts';
import { RealScheduler } from '../network/scheduler.ts';
import { Testnet } from '../network/testnet.ts';
import { RealTimeMiners } from './real-miners.ts';

/** Forklab's genesis (same header, so the same known nonce) without retargeting: about 65,536 hashes a block. */
const params = createForklabNetwork({ name: 'rt-test', genesisBits: 0x1f00ffff, noRetarget: true, genesisNonce: 72_091 });

function makeNet(seed: string, chunk?: number) {
  const scheduler = new RealScheduler();
  const net = new Testnet({ params, scheduler, seed });
  net.addNode('a');
  net.addNode('b');
  net.connect('a', 'b', { latencyMs: 5 });
  const miners = new RealTimeMiners(net, { threads: 2, ...(chunk !== undefined ? { chunk } : {}) });
  return { net, scheduler, miners };
}

/** Resolves once `done()` holds, checking every 10 ms; rejects after `timeoutMs` (a hung test, not a timing assertion). */
async function until(done: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('RealTimeMiners', () => {
  const opened: { miners: RealTimeMiners; scheduler: RealScheduler }[] = [];
  const open = (seed: string, chunk?: number) => {
    const n = makeNet(seed, chunk);
    opened.push(n);
    return n;
  };
  afterAll(async () => {
    for (const { miners, scheduler } of opened) {
      await miners.close();
      scheduler.clearAll();
    }
  });

  it('mines blocks with real proof of work and relays them; the nodes converge', async () => {
    const { net, miners } = open('relay');
    const ma = miners.add({ id: 'ma', node: 'a', share: 0.5 });
    miners.add({ id: 'mb', node: 'b', share: 0.5 });
    const found: string[] = [];
    miners.events.on('blockFound', (e) => found.push(e.miner));
    miners.start();
    expect(miners.running).toBe(true);
    await until(() => net.node('a').chain.height >= 6 && net.node('b').chain.height >= 6);
    await miners.stop();
    expect(miners.running).toBe(false);
    // The last blocks may have left two tips of equal work: once relay has settled, one more block decides.
    await until(() => net.node('a').chain.tip.chainWork === net.node('b').chain.tip.chainWork);
    await miners.mineNow(ma);
    await until(() => net.converged());
    expect(found.length).toBeGreaterThanOrEqual(6);
    // Every block on the chain was mined by one of the two miners (the payout goes to its node's wallet).
    const a = net.node('a').chain;
    const payouts = new Set([net.wallet('a').primary.scriptPubKey.join(','), net.wallet('b').primary.scriptPubKey.join(',')]);
    for (let h = 1; h <= a.height; h++) {
      const block = a.getBlock(a.entryAtHeight(h)!.id)!;
      expect(payouts.has(block.txs[0]!.outputs[0]!.scriptPubKey.join(','))).toBe(true);
    }
    expect(miners.hashesOf('ma') + miners.hashesOf('mb')).toBeGreaterThan(0);
    expect(miners.hashRate()).toBeGreaterThan(0);
  });

  it('gives each miner hashes in proportion to its share (0.8 / 0.2)', async () => {
    const { miners } = open('shares', 16_384);
    miners.add({ id: 'big', node: 'a', share: 0.8 });
    miners.add({ id: 'small', node: 'b', share: 0.2 });
    miners.start();
    await until(() => miners.hashesOf('big') + miners.hashesOf('small') >= 50 * 16_384);
    await miners.stop();
    const big = miners.hashesOf('big');
    const small = miners.hashesOf('small');
    expect(small).toBeGreaterThan(0);
    const ratio = big / (big + small);
    expect(ratio).toBeGreaterThan(0.6);
    expect(ratio).toBeLessThan(0.9);
  });

  it('gives no jobs to miners of stopped nodes, and resumes them at the current pass', async () => {
    const { net, miners } = open('stopped', 16_384);
    miners.add({ id: 'ma', node: 'a', share: 0.5 });
    miners.add({ id: 'mb', node: 'b', share: 0.5 });
    net.node('b').stop();
    miners.start();
    await until(() => miners.hashesOf('ma') >= 20 * 16_384);
    expect(miners.hashesOf('mb')).toBe(0);
    // Back online: mb starts level with ma instead of catching up on the time it was away.
    net.node('b').start();
    const before = miners.hashesOf('ma');
    await until(() => miners.hashesOf('mb') >= 10 * 16_384);
    await miners.stop();
    const sinceBack = miners.hashesOf('ma') - before;
    expect(sinceBack).toBeGreaterThan(0.5 * miners.hashesOf('mb'));
  });

  it('stop() stops: no hashes and no blocks afterwards', async () => {
    const { miners, scheduler } = open('stop');
    miners.add({ id: 'ma', node: 'a', share: 1 });
    miners.start();
    await until(() => miners.hashesOf('ma') > 0);
    await miners.stop();
    const hashes = miners.totalHashes;
    let found = 0;
    miners.events.on('blockFound', () => found++);
    await new Promise<void>((resolve) => scheduler.setTimeout(resolve, 200));
    expect(miners.totalHashes).toBe(hashes);
    expect(found).toBe(0);
    // It starts again after a stop.
    miners.start();
    await until(() => miners.totalHashes > hashes);
    await miners.stop();
  });

  it('mineNow() mines one block right away, with the loop stopped or running', async () => {
    const { net, miners } = open('mine-now');
    const ma = miners.add({ id: 'ma', node: 'a', share: 0.5 });
    miners.add({ id: 'mb', node: 'b', share: 0.5 });
    const a = net.node('a').chain;
    const block = await miners.mineNow(ma);
    expect(a.tip.id).toBe(block.id);
    expect(a.height).toBe(1);
    expect(ma.blocksFound).toBe(1);
    expect(miners.hashesOf('ma')).toBeGreaterThan(0);

    miners.start();
    await until(() => miners.hashesOf('mb') > 0);
    const next = await miners.mineNow(ma);
    // Built on a's tip at that moment: the block is on a's chain unless a competing block won meanwhile.
    expect(a.getEntry(next.id)).toBeDefined();
    expect(miners.running).toBe(true);
    await miners.stop();
  });

  it('close() ends mining and the workers; mineNow() then rejects', async () => {
    const { miners } = open('close');
    const ma = miners.add({ id: 'ma', node: 'a', share: 1 });
    miners.start();
    await until(() => miners.hashesOf('ma') > 0);
    await miners.close();
    expect(miners.running).toBe(false);
    await expect(miners.mineNow(ma)).rejects.toThrow(/closed/);
    expect(() => miners.start()).toThrow(/closed/);
  });
});

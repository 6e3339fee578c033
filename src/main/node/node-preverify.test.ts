// A node with a verification pool: big blocks are verified on workers, and messages keep their order.

import { afterAll, describe, expect, it } from 'vitest';
import { ChainBuilder, EASY } from '../../../test/support/chain-builder.ts';
import { Rng } from '../core/rng.ts';
import { SignatureChecker } from '../core/signatures.ts';
import { wasmSchnorr } from '../crypto/fast-schnorr.ts';
import { VerifyPool } from '../crypto/verify-pool.ts';
import { Network } from '../network/network.ts';
import { RealScheduler } from '../network/scheduler.ts';
import { Node } from './node.ts';

const pool = new VerifyPool({ threads: 1 });
afterAll(() => pool.close());

describe('node with a verification pool', () => {
  it('connects a large block verified on the pool, then the child that arrived while it waited', async () => {
    const t = new ChainBuilder(EASY, 'preverify');
    const maturity = EASY.coinbaseMaturity;
    const top = t.chainOf('m', 'genesis', maturity + 1);
    const fan = t.spendCoinbase('m1', { outputs: 60 });
    t.block('fan', top, { txs: [fan] });
    t.block('big', 'fan', { txs: Array.from({ length: 60 }, (_, vout) => t.spend([{ txid: fan.txid, vout }])) });
    t.block('child', 'big');

    const scheduler = new RealScheduler();
    const network = new Network(scheduler, new Rng('preverify'));
    const checker = new SignatureChecker(wasmSchnorr);
    const node = new Node({ id: 'n', params: EASY, network, checker, verifyPool: pool });
    network.add(node);
    node.peerConnected('peer'); // a peer the node accepts messages from (sends go nowhere: no link)
    for (let i = 1; i <= maturity + 1; i++) node.chain.processBlock(t.get(`m${i}`));
    node.chain.processBlock(t.get('fan'));
    const missesBefore = checker.misses;

    node.receive('peer', { type: 'block', block: t.get('big') });
    node.receive('peer', { type: 'block', block: t.get('child') });
    expect(node.chain.tip.id).toBe(t.get('fan').id); // still verifying on the worker: nothing processed yet
    for (let i = 0; i < 200 && node.chain.tip.id !== t.get('child').id; i++) await new Promise((r) => setTimeout(r, 10));
    expect(node.chain.tip.id).toBe(t.get('child').id);
    expect(node.chain.getEntry(t.get('big').id)?.hasData).toBe(true);
    expect(checker.misses).toBe(missesBefore); // all 60 signatures came from the pool via the cache
    scheduler.clearAll();
  });
});

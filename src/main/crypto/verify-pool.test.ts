// The verification pool gives the same verdicts as the in-thread backend and pre-fills the signature cache.

import { afterAll, describe, expect, it } from 'vitest';
import { ChainBuilder } from '../../../test/support/chain-builder.ts';
import { SignatureChecker } from '../core/signatures.ts';
import { Chainstate } from '../core/chainstate.ts';
import { pendingSignatureChecks } from '../core/validate.ts';
import { wasmSchnorr } from './fast-schnorr.ts';
import { VerifyPool, preverifyBlock } from './verify-pool.ts';
import { Transaction } from '../core/tx.ts';

const pool = new VerifyPool({ threads: 2 });
afterAll(() => pool.close());

/** A chain with a block of `n` one-input payments on top (built, not processed). */
function fixture(n: number) {
  const t = new ChainBuilder(undefined, 'verify-pool');
  const maturity = t.params.coinbaseMaturity;
  t.chainOf('m', 'genesis', maturity + 1);
  const fan = t.spendCoinbase('m1', { outputs: n });
  t.block('fan', `m${maturity + 1}`, { txs: [fan] });
  const pays = Array.from({ length: n }, (_, vout) => t.spend([{ txid: fan.txid, vout }]));
  t.block('big', 'fan', { txs: pays });
  const prefix = [...Array.from({ length: maturity + 1 }, (_, i) => t.get(`m${i + 1}`)), t.get('fan')];
  return { t, prefix, big: t.get('big'), pays };
}

describe('VerifyPool', () => {
  const { t, prefix, big, pays } = fixture(80);

  it('gives the verdicts of the in-thread backend, valid and corrupted alike', async () => {
    const chain = new Chainstate(t.params, { now: () => t.now, checker: new SignatureChecker(wasmSchnorr) });
    for (const b of prefix) chain.processBlock(b);
    const checks = pendingSignatureChecks(big, chain.utxo, chain.checker);
    expect(checks).toHaveLength(80);
    const corrupted = checks.map((c, i) => (i % 3 === 0 ? { ...c, signature: Uint8Array.from(c.signature, (x, j) => (j === 5 ? x ^ 1 : x)) } : c));
    const verdicts = await pool.verify(corrupted);
    expect(verdicts).toEqual(corrupted.map((c) => wasmSchnorr.verify(c.signature, c.message, c.publicKey)));
    expect(verdicts.filter((v) => !v)).toHaveLength(27);
  });

  it('pre-verifies a block so that connecting it verifies nothing on the main thread', async () => {
    const checker = new SignatureChecker(wasmSchnorr);
    const chain = new Chainstate(t.params, { now: () => t.now, checker });
    for (const b of prefix) chain.processBlock(b);
    expect(await preverifyBlock(big, chain.utxo, checker, pool)).toBe(80);
    const misses = checker.misses;
    expect(chain.processBlock(big).status).toBe('connected');
    expect(checker.misses).toBe(misses); // every signature came from the cache
    expect(checker.hits).toBeGreaterThanOrEqual(80);
  });

  it('never lets an invalid signature through: the block is still rejected with bad-schnorr-sig', async () => {
    const checker = new SignatureChecker(wasmSchnorr);
    const chain = new Chainstate(t.params, { now: () => t.now, checker });
    for (const b of prefix) chain.processBlock(b);
    const bad = pays.map((tx, i) => {
      if (i !== 40) return tx;
      const sig = Uint8Array.from(tx.inputs[0]!.witness[0]!);
      sig[9]! ^= 1;
      return new Transaction({ ...tx, inputs: [{ ...tx.inputs[0]!, witness: [sig] }] });
    });
    t.block('bad', 'fan', { txs: bad });
    await preverifyBlock(t.get('bad'), chain.utxo, checker, pool);
    const r = chain.processBlock(t.get('bad'));
    expect(r.status).toBe('rejected');
    expect(r.code).toBe('bad-schnorr-sig');
  });
});

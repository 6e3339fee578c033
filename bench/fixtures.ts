// Chains for benchmarks: many spendable coins, then blocks of one-input Schnorr-signed transactions.

import type { Block } from '../src/main/core/block.ts';
import { blockSubsidy } from '../src/main/core/params.ts';
import { assembleBlock, createCoinbase } from '../src/main/core/template.ts';
import type { Transaction } from '../src/main/core/tx.ts';
import { Wallet, type SpendInput } from '../src/main/core/wallet.ts';
import { wasmSchnorr } from '../src/main/crypto/fast-schnorr.ts';
import { EASY, solve } from '../test/support/chain-builder.ts';

export const params = EASY;
export const now = (): number => params.genesis.header.time + 10_000_000;

export class FixtureChain {
  readonly wallet = Wallet.fromLabel(params, 'bench', wasmSchnorr);
  readonly blocks: Block[] = [];
  private tipBlock: Block = params.genesis;
  private height = 0;

  /** Builds a block on `parent` (default: the last built) and records it when on the main line. */
  build(txs: Transaction[], parent: { block: Block; height: number } = { block: this.tipBlock, height: this.height }, record = true): { block: Block; height: number } {
    const height = parent.height + 1;
    const fees = 0n;
    const coinbase = createCoinbase({
      height,
      payoutScript: this.wallet.primary.scriptPubKey,
      value: blockSubsidy(height, params) + fees,
      extra: new Uint8Array([height & 0xff, record ? 1 : 2]),
      witnessCommitmentFor: txs,
    });
    const block = solve(assembleBlock({ prevHash: parent.block.hash, time: parent.block.header.time + 1, bits: params.genesis.header.bits, coinbase, txs }));
    if (record) {
      this.blocks.push(block);
      this.tipBlock = block;
      this.height = height;
    }
    return { block, height };
  }

  get tip(): { block: Block; height: number } {
    return { block: this.tipBlock, height: this.height };
  }

  /** Mines blocks until `coins` outputs of `value`-ish size are spendable; returns them. */
  makeCoins(coins: number, perTx = 1000): SpendInput[] {
    const fanouts = Math.ceil(coins / perTx);
    const coinbases: SpendInput[] = [];
    for (let i = 0; i < fanouts; i++) {
      const { block } = this.build([]);
      const cb = block.txs[0]!;
      coinbases.push({ outpoint: { txid: cb.txid, vout: 0 }, value: cb.outputs[0]!.value, scriptPubKey: cb.outputs[0]!.scriptPubKey });
    }
    for (let i = 0; i < params.coinbaseMaturity; i++) this.build([]);
    const script = this.wallet.primary.scriptPubKey;
    const txs = coinbases.map((c) => {
      const each = (c.value - 100_000n) / BigInt(perTx);
      return this.wallet.signWith([c], Array.from({ length: perTx }, () => ({ value: each, scriptPubKey: script })));
    });
    this.build(txs);
    return txs.flatMap((tx) => tx.outputs.map((o, vout) => ({ outpoint: { txid: tx.txid, vout }, value: o.value, scriptPubKey: o.scriptPubKey }))).slice(0, coins);
  }

  /** One-input, one-output payments spending `coins`, signed with the fast backend. */
  payments(coins: readonly SpendInput[]): Transaction[] {
    const script = this.wallet.primary.scriptPubKey;
    return coins.map((c) => this.wallet.signWith([c], [{ value: c.value - 200n, scriptPubKey: script }]));
  }
}

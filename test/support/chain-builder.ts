// Builds named test blocks on named parents (the fullblocktests way) and feeds them to a chainstate.

import { Block } from '../../src/main/core/block.ts';
import { Chainstate, type ProcessResult } from '../../src/main/core/chainstate.ts';
import { blockSubsidy, createForklabNetwork, type NetworkParams } from '../../src/main/core/params.ts';
import { bitsToTarget, hashToBigInt } from '../../src/main/core/pow.ts';
import { SignatureChecker } from '../../src/main/core/signatures.ts';
import { assembleBlock, createCoinbase } from '../../src/main/core/template.ts';
import { Transaction, outpointKey, type OutPoint } from '../../src/main/core/tx.ts';
import { Wallet } from '../../src/main/core/wallet.ts';
import type { BlockHeader } from '../../src/main/core/header.ts';

/** Regtest-like parameters: trivial proof of work, no retarget, maturity 5, so thousands of blocks are cheap. */
export const EASY: NetworkParams = createForklabNetwork({ name: 'forklab-easy', genesisBits: 0x207fffff, noRetarget: true, coinbaseMaturity: 5 });

export interface BlockSpec {
  txs?: Transaction[];
  /** Extra coinbase value above subsidy + fees (negative to pay less). */
  coinbaseExtra?: bigint;
  time?: number;
  bits?: number;
  version?: number;
  /** Coinbase height to write (BIP-34); the real height by default. */
  coinbaseHeight?: number;
  /** Omit the witness commitment. */
  noCommitment?: boolean;
  /** Change the block after assembly (before solving unless `solveAfter` is false). */
  mutate?: (b: Block) => Block;
  /** Skip solving proof of work (for high-hash cases). */
  unsolved?: boolean;
}

interface Built {
  block: Block;
  height: number;
  parent: string;
  fees: bigint;
}

/** Solves proof of work by trying nonces (cheap at the easy target). */
export function solve(block: Block, params: NetworkParams = EASY): Block {
  const target = bitsToTarget(block.header.bits);
  let h: BlockHeader = block.header;
  while (hashToBigInt(h.hash) > target) h = h.with({ nonce: h.nonce + 1 });
  return block.with(h);
  void params;
}

export class ChainBuilder {
  readonly params: NetworkParams;
  readonly chain: Chainstate;
  readonly wallet: Wallet;
  readonly checker: SignatureChecker;
  now: number;
  private readonly built = new Map<string, Built>();
  /** Transactions of built blocks by txid (the first block built with each). */
  private readonly builtTxs = new Map<string, Transaction>();
  /** Transactions made by spend(), so later spends can find their outputs before they are in a block. */
  private readonly loose = new Map<string, Transaction>();

  constructor(params: NetworkParams = EASY, label = 'builder') {
    this.params = params;
    this.now = params.genesis.header.time + 1_000_000;
    this.checker = new SignatureChecker();
    this.chain = new Chainstate(params, { now: () => this.now, checker: this.checker });
    this.wallet = Wallet.fromLabel(params, label);
    this.built.set('genesis', { block: params.genesis, height: 0, parent: '', fees: 0n });
    for (const tx of params.genesis.txs) this.builtTxs.set(tx.id, tx);
  }

  get(name: string): Block {
    const b = this.built.get(name);
    if (!b) throw new Error(`no block named ${name}`);
    return b.block;
  }

  heightOf(name: string): number {
    return this.built.get(name)!.height;
  }

  /** The coinbase's first output of a named block, as an outpoint. */
  coinbaseOutpoint(name: string): OutPoint {
    return { txid: this.get(name).txs[0]!.txid, vout: 0 };
  }

  /** Builds block `name` on `parent` (not processed). Fees are computed from coins the builder knows. */
  block(name: string, parent: string, spec: BlockSpec = {}): Block {
    const p = this.built.get(parent);
    if (!p) throw new Error(`no parent named ${parent}`);
    const height = p.height + 1;
    const txs = spec.txs ?? [];
    const fees = txs.reduce((s, tx) => s + this.feeOf(tx), 0n);
    const coinbase = createCoinbase({
      height: spec.coinbaseHeight ?? height,
      payoutScript: this.wallet.primary.scriptPubKey,
      value: blockSubsidy(height, this.params) + fees + (spec.coinbaseExtra ?? 0n),
      extra: new TextEncoder().encode(name),
      ...(spec.noCommitment ? {} : { witnessCommitmentFor: txs }),
    });
    let block = assembleBlock({
      prevHash: p.block.hash,
      time: spec.time ?? p.block.header.time + 1,
      bits: spec.bits ?? this.params.genesis.header.bits,
      coinbase,
      txs,
      ...(spec.version !== undefined ? { version: spec.version } : {}),
    });
    if (spec.mutate) block = spec.mutate(block);
    if (!spec.unsolved) block = solve(block, this.params);
    this.built.set(name, { block, height, parent, fees });
    for (const tx of block.txs) if (!this.builtTxs.has(tx.id)) this.builtTxs.set(tx.id, tx);
    return block;
  }

  /** Builds a chain of `count` empty blocks named `${prefix}${i}`; returns the last name. */
  chainOf(prefix: string, parent: string, count: number): string {
    let prev = parent;
    for (let i = 1; i <= count; i++) {
      this.block(`${prefix}${i}`, prev);
      prev = `${prefix}${i}`;
    }
    return prev;
  }

  process(name: string): ProcessResult {
    return this.chain.processBlock(this.get(name));
  }

  /** Processes `name` and asserts the outcome. */
  accept(name: string): ProcessResult {
    const r = this.process(name);
    if (r.status !== 'connected' && r.status !== 'side-branch') throw new Error(`${name}: expected accepted, got ${r.status} ${r.code ?? ''} ${r.reason ?? ''}`);
    return r;
  }

  /** Spends the mature coinbase of block `from` to the builder's wallet (one input, one or more outputs). */
  spendCoinbase(from: string, opts: { fee?: bigint; outputs?: number; value?: bigint } = {}): Transaction {
    return this.spend([this.coinbaseOutpoint(from)], opts);
  }

  /** Spends outpoints the builder's wallet owns, whether or not they are in the chain's UTXO set now. */
  spend(outpoints: OutPoint[], opts: { fee?: bigint; outputs?: number; value?: bigint } = {}): Transaction {
    const coins = outpoints.map((o) => this.findOutput(o));
    const total = coins.reduce((s, c) => s + c.value, 0n);
    const fee = opts.fee ?? 1000n;
    const n = opts.outputs ?? 1;
    const value = opts.value ?? (total - fee) / BigInt(n);
    const outputs = Array.from({ length: n }, () => ({ value, scriptPubKey: this.wallet.primary.scriptPubKey }));
    const tx = this.wallet.signWith(
      outpoints.map((o, i) => ({ outpoint: o, value: coins[i]!.value, scriptPubKey: coins[i]!.scriptPubKey })),
      outputs,
    );
    this.loose.set(tx.id, tx);
    return tx;
  }

  private findOutput(o: OutPoint): { value: bigint; scriptPubKey: Uint8Array } {
    const key = outpointKey(o);
    const txid = key.slice(0, key.lastIndexOf(':'));
    const out = (this.loose.get(txid) ?? this.builtTxs.get(txid))?.outputs[o.vout];
    if (out) return out;
    throw new Error(`unknown output ${key}`);
  }

  private feeOf(tx: Transaction): bigint {
    let inSum = 0n;
    for (const i of tx.inputs) {
      try {
        inSum += this.findOutput(i.prevout).value;
      } catch {
        return 0n;
      }
    }
    const fee = inSum - tx.totalOut();
    return fee > 0n ? fee : 0n;
  }
}

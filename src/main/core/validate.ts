// Consensus checks: context-free (checkTransaction, checkBlock), contextual (header and block), and connectBlock.

import type { Block } from './block.ts';
import { findWitnessCommitment, witnessCommitment } from './block.ts';
import { bytesToHexReversed, equalBytes, type Bytes } from './bytes.ts';
import { RuleError } from './errors.ts';
import type { BlockHeader } from './header.ts';
import { blockSubsidy, type NetworkParams } from './params.ts';
import { checkProofOfWork } from './pow.ts';
import { classifyScript, isUnspendable } from './script.ts';
import { SIGHASH_DEFAULT, TaprootSigHasher } from './sighash.ts';
import type { SignatureChecker } from './signatures.ts';
import { SEQUENCE_FINAL, Transaction, outpointKey, type TxOut } from './tx.ts';
import { CoinOverlay, type Coin, type CoinView } from './utxo.ts';

export const LOCKTIME_THRESHOLD = 500_000_000;
const ANNEX_TAG = 0x50;

/** Context-free transaction checks (CheckTransaction). */
export function checkTransaction(tx: Transaction, p: NetworkParams): void {
  if (tx.inputs.length === 0) throw new RuleError('bad-txns-vin-empty');
  if (tx.outputs.length === 0) throw new RuleError('bad-txns-vout-empty');
  if (tx.baseSize * 4 > p.maxBlockWeight) throw new RuleError('bad-txns-oversize');
  let total = 0n;
  for (const o of tx.outputs) {
    if (o.value < 0n) throw new RuleError('bad-txns-vout-negative');
    if (o.value > p.maxMoney) throw new RuleError('bad-txns-vout-toolarge');
    total += o.value;
    if (total > p.maxMoney) throw new RuleError('bad-txns-txouttotal-toolarge');
  }
  const seen = new Set<string>();
  for (const i of tx.inputs) {
    const key = outpointKey(i.prevout);
    if (seen.has(key)) throw new RuleError('bad-txns-inputs-duplicate');
    seen.add(key);
  }
  if (tx.isCoinbase()) {
    const len = tx.inputs[0]!.scriptSig.length;
    if (len < 2 || len > 100) throw new RuleError('bad-cb-length', `coinbase scriptSig is ${len} bytes`);
  } else {
    for (const i of tx.inputs) {
      if (i.prevout.vout === 0xffffffff && i.prevout.txid.every((b) => b === 0)) throw new RuleError('bad-txns-prevout-null');
    }
  }
}

export interface CheckBlockOptions {
  checkPoW?: boolean;
  checkMerkle?: boolean;
}

/** Context-free block checks (CheckBlock): proof of work, merkle root, coinbase placement, each transaction. */
export function checkBlock(block: Block, p: NetworkParams, o: CheckBlockOptions = {}): void {
  if (o.checkPoW !== false) checkProofOfWork(block.hash, block.header.bits, p.powLimit);
  if (o.checkMerkle !== false) {
    const { root, mutated } = block.computeMerkleRoot();
    if (!equalBytes(root, block.header.merkleRoot)) throw new RuleError('bad-txnmrklroot', 'hashMerkleRoot mismatch');
    if (mutated) throw new RuleError('bad-txns-duplicate', 'duplicate transaction (CVE-2012-2459)');
  }
  if (block.txs.length === 0 || block.baseSize * 4 > p.maxBlockWeight) throw new RuleError('bad-blk-length', 'size limits failed');
  if (!block.txs[0]!.isCoinbase()) throw new RuleError('bad-cb-missing', 'first tx is not coinbase');
  for (let i = 1; i < block.txs.length; i++) {
    if (block.txs[i]!.isCoinbase()) throw new RuleError('bad-cb-multiple', 'more than one coinbase');
  }
  for (const tx of block.txs) checkTransaction(tx, p);
}

/** Whether a rejection may stem from corrupted data rather than a bad header: such a hash must not be marked invalid. */
export function isMutationCode(code: string): boolean {
  return code === 'bad-txnmrklroot' || code === 'bad-txns-duplicate' || code === 'bad-witness-merkle-match' || code === 'unexpected-witness' || code === 'bad-witness-nonce-size';
}

/** What contextual checks need to know about the parent. */
export interface ParentContext {
  height: number;
  /** Median time past of the parent (the last medianTimeSpan blocks ending at it). */
  medianTimePast: number;
  /** Bits the child must carry. */
  requiredBits: number;
}

/** Minimum header version at `height` (BIP-34 / BIP-66 / BIP-65 made versions 1-3 obsolete in turn). */
export function minimumVersion(height: number, p: NetworkParams): number {
  return height >= p.bip34Height ? (p.name === 'mainnet' && height < 388_381 ? (height < 363_725 ? 2 : 3) : 4) : 1;
}

/** ContextualCheckBlockHeader: difficulty, time against median-time-past and the clock, version. */
export function checkBlockHeaderContext(header: BlockHeader, parent: ParentContext, p: NetworkParams, now: number): void {
  if (header.bits !== parent.requiredBits) {
    throw new RuleError('bad-diffbits', `expected bits 0x${parent.requiredBits.toString(16)}, got 0x${header.bits.toString(16)}`);
  }
  if (header.time <= parent.medianTimePast) throw new RuleError('time-too-old', 'block timestamp is not after median time past');
  if (header.time > now + p.maxFutureBlockTime) throw new RuleError('time-too-new', 'block timestamp too far in the future', false);
  const height = parent.height + 1;
  if (header.version < minimumVersion(height, p)) {
    throw new RuleError('bad-version', `version 0x${(header.version >>> 0).toString(16).padStart(8, '0')} is obsolete at height ${height}`);
  }
}

/** IsFinalTx: a locktime below the height (or below the median time past for time locks) or all sequences final. */
export function isFinalTx(tx: Transaction, height: number, lockTimeCutoff: number): boolean {
  if (tx.locktime === 0) return true;
  const limit = tx.locktime < LOCKTIME_THRESHOLD ? height : lockTimeCutoff;
  if (tx.locktime < limit) return true;
  return tx.inputs.every((i) => i.sequence === SEQUENCE_FINAL);
}

/** ContextualCheckBlock: finality, BIP-34 height, the BIP-141 witness commitment, weight. */
export function checkBlockContext(block: Block, parent: ParentContext, p: NetworkParams): void {
  const height = parent.height + 1;
  for (const tx of block.txs) {
    if (!isFinalTx(tx, height, parent.medianTimePast)) throw new RuleError('bad-txns-nonfinal', 'non-final transaction');
  }
  if (height >= p.bip34Height && block.coinbaseHeight() !== height) {
    throw new RuleError('bad-cb-height', `block height mismatch in coinbase: expected ${height}, got ${block.coinbaseHeight()}`);
  }
  let hasCommitment = false;
  if (height >= p.segwitHeight) {
    const coinbase = block.txs[0]!;
    const idx = findWitnessCommitment(coinbase);
    if (idx >= 0) {
      hasCommitment = true;
      const reserved = coinbase.inputs[0]!.witness;
      if (reserved.length !== 1 || reserved[0]!.length !== 32) {
        throw new RuleError('bad-witness-nonce-size', 'coinbase witness reserved value must be one 32-byte item');
      }
      const committed = coinbase.outputs[idx]!.scriptPubKey.subarray(6, 38);
      if (!equalBytes(committed, witnessCommitment(block.txs, reserved[0]!))) {
        throw new RuleError('bad-witness-merkle-match', 'witness merkle commitment mismatch');
      }
    }
  }
  if (!hasCommitment && block.txs.some((tx) => tx.hasWitness)) throw new RuleError('unexpected-witness', 'witness data without a commitment');
  if (block.weight > p.maxBlockWeight) throw new RuleError('bad-blk-weight', `weight ${block.weight} exceeds ${p.maxBlockWeight}`);
}

/** The coins a block spent, in order of its inputs (coinbase excluded): what disconnectBlock restores. */
export interface BlockUndo {
  readonly spent: readonly (readonly Coin[])[];
}

export interface ConnectResult {
  undo: BlockUndo;
  fees: bigint;
  overlay: CoinOverlay;
}

/**
 * Checks that a transaction's inputs exist, are mature and cover its outputs; returns the coins it spends and
 * its fee. Does not check signatures. Throws RuleError.
 */
export function checkTxInputs(tx: Transaction, view: CoinView, spendHeight: number, p: NetworkParams): { coins: Coin[]; fee: bigint } {
  const coins: Coin[] = [];
  let valueIn = 0n;
  for (const input of tx.inputs) {
    const coin = view.getCoin(outpointKey(input.prevout));
    if (!coin) throw new RuleError('bad-txns-inputs-missingorspent', `input ${outpointKey(input.prevout)} missing or spent`, false);
    if (coin.coinbase && spendHeight - coin.height < p.coinbaseMaturity) {
      throw new RuleError('bad-txns-premature-spend-of-coinbase', `tried to spend coinbase at depth ${spendHeight - coin.height}`);
    }
    valueIn += coin.value;
    if (coin.value < 0n || coin.value > p.maxMoney || valueIn > p.maxMoney) throw new RuleError('bad-txns-inputvalues-outofrange');
    coins.push(coin);
  }
  const valueOut = tx.totalOut();
  if (valueIn < valueOut) throw new RuleError('bad-txns-in-belowout', `value in ${valueIn} < value out ${valueOut}`);
  const fee = valueIn - valueOut;
  if (fee > p.maxMoney) throw new RuleError('bad-txns-fee-outofrange');
  return { coins, fee };
}

/** One Schnorr verification an input needs: signature (64 bytes), BIP-341 sighash, x-only output key. */
export interface SignatureCheck {
  readonly signature: Bytes;
  readonly message: Bytes;
  readonly publicKey: Bytes;
}

/**
 * The signature checks of a transaction's inputs, after checking each witness's shape: Forklab validates
 * taproot key-path spends (BIP-341) with BIP-340 signatures. Other spend kinds (legacy scripts, segwit v0,
 * taproot script path) are rejected, not silently accepted. Throws RuleError.
 */
export function taprootSignatureChecks(tx: Transaction, coins: readonly TxOut[]): SignatureCheck[] {
  const hasher = new TaprootSigHasher(tx, coins);
  return tx.inputs.map((input, index) => {
    const coin = coins[index]!;
    const info = classifyScript(coin.scriptPubKey);
    if (info.type !== 'p2tr' || !info.program) {
      throw new RuleError('bad-txns-unsupported-script', `input ${index} spends a ${info.type} output; only taproot key-path spends are supported`);
    }
    if (input.scriptSig.length !== 0) throw new RuleError('bad-witness-scriptsig', `input ${index}: witness spends require an empty scriptSig`);
    let stack = input.witness;
    if (stack.length === 0) throw new RuleError('bad-witness-empty', `input ${index}: empty witness`);
    let annex: Uint8Array | undefined;
    if (stack.length >= 2 && stack[stack.length - 1]![0] === ANNEX_TAG) {
      annex = stack[stack.length - 1]!;
      stack = stack.slice(0, -1);
    }
    if (stack.length !== 1) throw new RuleError('bad-taproot-script-path', `input ${index}: script-path spends are not supported`);
    const sig = stack[0]!;
    let hashType = SIGHASH_DEFAULT;
    if (sig.length === 65) {
      hashType = sig[64]!;
      if (hashType === SIGHASH_DEFAULT) throw new RuleError('bad-sighash-type', `input ${index}: explicit SIGHASH_DEFAULT byte`);
    } else if (sig.length !== 64) {
      throw new RuleError('bad-schnorr-sig', `input ${index}: signature is ${sig.length} bytes`);
    }
    return { signature: sig.subarray(0, 64), message: hasher.sighash(index, hashType, annex), publicKey: info.program };
  });
}

/** Verifies every input's witness (taprootSignatureChecks, then each signature through the shared checker). */
export function verifyTxScripts(tx: Transaction, coins: readonly TxOut[], checker: SignatureChecker): void {
  const wtxid = bytesToHexReversed(tx.wtxid);
  if (checker.hasValidScripts(wtxid)) return;
  taprootSignatureChecks(tx, coins).forEach((c, index) => {
    if (!checker.verify(c.signature, c.message, c.publicKey)) throw new RuleError('bad-schnorr-sig', `input ${index}: invalid Schnorr signature`);
  });
  checker.addValidScripts(wtxid);
}

/**
 * The signature checks a block will need that the checker has not seen, for transactions whose coins are in
 * `view` or created earlier in the block. Transactions that would fail for other reasons are left out: this
 * only prepares work (e.g. for verification on other threads); connectBlock still decides.
 */
export function pendingSignatureChecks(block: Block, view: CoinView, checker: SignatureChecker): SignatureCheck[] {
  const overlay = new CoinOverlay(view);
  const out: SignatureCheck[] = [];
  for (const tx of block.txs) {
    if (!tx.isCoinbase() && !checker.hasValidScripts(bytesToHexReversed(tx.wtxid))) {
      const coins = tx.inputs.map((i) => overlay.getCoin(outpointKey(i.prevout)));
      if (coins.every((c) => c !== undefined)) {
        try {
          for (const c of taprootSignatureChecks(tx, coins as Coin[])) if (!checker.isKnownValid(c.signature, c.message, c.publicKey)) out.push(c);
        } catch (e) {
          if (!(e instanceof RuleError)) throw e;
        }
      }
    }
    tx.outputs.forEach((o, vout) => overlay.addCoin(outpointKey({ txid: tx.txid, vout }), { value: o.value, scriptPubKey: o.scriptPubKey, height: 0, coinbase: false }));
  }
  return out;
}

/**
 * ConnectBlock: spends and creates coins in an overlay over `view`; checks BIP-30, inputs, signatures and the
 * coinbase amount. The caller applies the overlay only when this returns.
 */
export function connectBlock(block: Block, height: number, view: CoinView, p: NetworkParams, checker: SignatureChecker): ConnectResult {
  const overlay = new CoinOverlay(view);
  const spent: Coin[][] = [];
  let fees = 0n;
  for (const tx of block.txs) {
    const txid = tx.txid;
    // BIP-30: a transaction may not overwrite an unspent output of an earlier one with the same txid.
    for (let v = 0; v < tx.outputs.length; v++) {
      if (overlay.getCoin(outpointKey({ txid, vout: v }))) throw new RuleError('bad-txns-BIP30', 'tried to overwrite transaction');
    }
    if (!tx.isCoinbase()) {
      const { coins, fee } = checkTxInputs(tx, overlay, height, p);
      verifyTxScripts(tx, coins, checker);
      fees += fee;
      if (fees > p.maxMoney) throw new RuleError('bad-txns-accumulated-fee-outofrange');
      for (const input of tx.inputs) overlay.spendCoin(outpointKey(input.prevout));
      spent.push(coins);
    }
    addOutputs(overlay, tx, height);
  }
  const coinbaseOut = block.txs[0]!.totalOut();
  const allowed = blockSubsidy(height, p) + fees;
  if (coinbaseOut > allowed) throw new RuleError('bad-cb-amount', `coinbase pays too much (actual=${coinbaseOut} vs limit=${allowed})`);
  return { undo: { spent }, fees, overlay };
}

function addOutputs(overlay: CoinOverlay, tx: Transaction, height: number): void {
  const coinbase = tx.isCoinbase();
  tx.outputs.forEach((o, vout) => {
    if (isUnspendable(o.scriptPubKey)) return; // OP_RETURN outputs never enter the UTXO set
    overlay.addCoin(outpointKey({ txid: tx.txid, vout }), { value: o.value, scriptPubKey: o.scriptPubKey, height, coinbase });
  });
}

/** DisconnectBlock: removes the block's outputs and restores the coins it spent, as an overlay over `view`. */
export function disconnectBlock(block: Block, undo: BlockUndo, view: CoinView): CoinOverlay {
  const overlay = new CoinOverlay(view);
  const txs = block.txs;
  if (undo.spent.length !== txs.length - 1) throw new Error(`undo data holds ${undo.spent.length} entries for ${txs.length - 1} transactions`);
  for (let t = txs.length - 1; t >= 0; t--) {
    const tx = txs[t]!;
    tx.outputs.forEach((o, vout) => {
      if (!isUnspendable(o.scriptPubKey)) overlay.spendCoin(outpointKey({ txid: tx.txid, vout }));
    });
    if (t === 0) continue;
    const coins = undo.spent[t - 1]!;
    tx.inputs.forEach((input, i) => overlay.addCoin(outpointKey(input.prevout), coins[i]!));
  }
  return overlay;
}

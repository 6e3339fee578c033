// Real Bitcoin mainnet data: blocks decode, hash, re-serialize and pass the context-free checks; headers chain up.

import { describe, expect, it } from 'vitest';
import blockVectors from '../../../test/vectors/mainnet-blocks.json' with { type: 'json' };
import headerVectors from '../../../test/vectors/mainnet-headers.json' with { type: 'json' };
import { Block, findWitnessCommitment, witnessCommitment, witnessMerkleRoot } from './block.ts';
import { bytesToHex, bytesToHexReversed, hexToBytes } from './bytes.ts';
import { Chainstate } from './chainstate.ts';
import { RuleError } from './errors.ts';
import { BlockHeader } from './header.ts';
import { computeMerkleRoot, merkleBranch, rootFromBranch } from './merkle.ts';
import { COIN, MAINNET, type NetworkParams } from './params.ts';
import { bitsToTarget, hashToBigInt, workFromBits } from './pow.ts';
import { Transaction } from './tx.ts';
import { checkBlock, checkBlockContext } from './validate.ts';

interface BlockVector {
  height: number;
  hash: string;
  prevHash: string;
  merkleRoot: string;
  version: number;
  time: number;
  bits: string;
  nonce: number;
  txCount: number;
  txids: string[];
  wtxids?: string[];
  witnessCommitment?: string;
  hex: string;
}

const blocks = (blockVectors.blocks as BlockVector[]).map((v) => ({ ...v, block: Block.fromBytes(hexToBytes(v.hex)) }));
const headers = headerVectors.headers.map((h) => BlockHeader.fromBytes(hexToBytes(h)));
const NOW = 2_000_000_000;

/** Expects `f` to throw a RuleError with `code`. */
function expectRuleError(f: () => unknown, code: string): void {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error, `expected RuleError ${code}`).toBeInstanceOf(RuleError);
  expect((error as RuleError).code).toBe(code);
}

it('MAINNET.genesis is Bitcoin\'s genesis block', () => {
  expect(MAINNET.genesis.id).toBe('000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f');
  expect(bytesToHex(MAINNET.genesis.toBytes())).toBe(blocks[0]!.hex);
});

describe('mainnet blocks', () => {
  it.each(blocks)('height $height: header fields, hash, txids and merkle root as recorded', (v) => {
    const { block } = v;
    expect(block.id).toBe(v.hash);
    expect(bytesToHexReversed(block.header.prevHash)).toBe(v.prevHash);
    expect(bytesToHexReversed(block.header.merkleRoot)).toBe(v.merkleRoot);
    expect(block.header.version).toBe(v.version);
    expect(block.header.time).toBe(v.time);
    expect(block.header.bits.toString(16).padStart(8, '0')).toBe(v.bits);
    expect(block.header.nonce).toBe(v.nonce);
    expect(block.txs.length).toBe(v.txCount);
    expect(block.txs.map((tx) => tx.id)).toEqual(v.txids);
    const { root, mutated } = block.computeMerkleRoot();
    expect(bytesToHexReversed(root)).toBe(v.merkleRoot);
    expect(mutated).toBe(false);
    expect(hashToBigInt(block.hash) <= bitsToTarget(block.header.bits)).toBe(true);
  });

  it.each(blocks)('height $height: re-serializes byte for byte and passes checkBlock', (v) => {
    expect(bytesToHex(v.block.toBytes())).toBe(v.hex);
    expect(v.block.totalSize).toBe(v.hex.length / 2);
    expect(() => checkBlock(v.block, MAINNET)).not.toThrow();
  });

  it.each(blocks.filter((v) => v.height > 0))('height $height: passes the contextual block checks at its height', (v) => {
    const parent = { height: v.height - 1, medianTimePast: v.time - 1, requiredBits: v.block.header.bits };
    expect(() => checkBlockContext(v.block, parent, MAINNET)).not.toThrow();
  });

  it.each(blocks.filter((v) => v.txCount > 1))('height $height: every txid is proved by its merkle branch', (v) => {
    const leaves = v.block.txs.map((tx) => tx.txid);
    leaves.forEach((leaf, i) => expect(bytesToHex(rootFromBranch(leaf, merkleBranch(leaves, i), i))).toBe(bytesToHex(v.block.header.merkleRoot)));
  });

  it('blocks 0-10 link by prevHash and connect to a mainnet chainstate', () => {
    const chain = new Chainstate(MAINNET, { now: () => NOW });
    const first = blocks.filter((v) => v.height <= 10);
    expect(first.map((v) => v.height)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const v of first.slice(1)) {
      expect(v.prevHash).toBe(blocks[v.height - 1]!.hash);
      expect(chain.processBlock(v.block)).toEqual({ status: 'connected', id: v.hash });
    }
    expect(chain.height).toBe(10);
    // The genesis coinbase is not spendable: only blocks 1-10 pay into the UTXO set.
    expect(chain.utxo.size).toBe(10);
    expect(chain.utxo.totalValue()).toBe(10n * 50n * COIN);
  });

  it('context-free checks catch a changed byte', () => {
    const v = blocks.find((b) => b.height === 100000)!;
    const raw = hexToBytes(v.hex);
    raw[raw.length - 10]! ^= 1; // inside the last transaction: the merkle root no longer matches
    expectRuleError(() => checkBlock(Block.fromBytes(raw), MAINNET), 'bad-txnmrklroot');
    const badNonce = v.block.with(v.block.header.with({ nonce: v.block.header.nonce + 1 }));
    expectRuleError(() => checkBlock(badNonce, MAINNET), 'high-hash');
  });
});

describe('a segwit-era block', () => {
  const witnessBlocks = blocks.filter((v) => v.witnessCommitment !== undefined);

  it('is among the vectors', () => expect(witnessBlocks.length).toBeGreaterThan(0));

  it.each(witnessBlocks)('height $height: wtxids, witness root and commitment verify', (v) => {
    const { block } = v;
    const coinbase = block.txs[0]!;
    expect(coinbase.hasWitness).toBe(true);
    expect(bytesToHex(coinbase.wtxid)).not.toBe(bytesToHex(coinbase.txid));
    // In the witness tree the coinbase counts as 32 zero bytes; other transactions by their wtxid.
    const leaves = block.txs.map((tx, i) => (i === 0 ? new Uint8Array(32) : tx.wtxid));
    expect(leaves.map(bytesToHexReversed)).toEqual(v.wtxids);
    expect(bytesToHex(witnessMerkleRoot(block.txs))).toBe(bytesToHex(computeMerkleRoot(leaves).root));
    const reserved = coinbase.inputs[0]!.witness;
    expect(reserved.map((w) => w.length)).toEqual([32]);
    expect(bytesToHex(witnessCommitment(block.txs, reserved[0]!))).toBe(v.witnessCommitment);
    const at = findWitnessCommitment(coinbase);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(bytesToHex(coinbase.outputs[at]!.scriptPubKey.subarray(6, 38))).toBe(v.witnessCommitment);
    expect(block.coinbaseHeight()).toBe(v.height);
    expect(block.weight).toBe(block.baseSize * 3 + block.totalSize);
  });

  it.each(witnessBlocks)('height $height: a different reserved value breaks the commitment', (v) => {
    const coinbase = v.block.txs[0]!;
    const input = { ...coinbase.inputs[0]!, witness: [new Uint8Array(32).fill(1)] };
    const tampered = new Block(v.block.header, [new Transaction({ ...coinbase, inputs: [input] }), ...v.block.txs.slice(1)]);
    const parent = { height: v.height - 1, medianTimePast: v.time - 1, requiredBits: v.block.header.bits };
    expectRuleError(() => checkBlockContext(tampered, parent, MAINNET), 'bad-witness-merkle-match');
    expectRuleError(() => checkBlockContext(v.block, { ...parent, height: v.height }, MAINNET), 'bad-cb-height');
  });
});

describe('mainnet headers', () => {
  const rest = headers.slice(1);

  it('start at the genesis header and link by prevHash', () => {
    expect(headers[0]!.id).toBe(MAINNET.genesis.id);
    for (let i = 1; i < headers.length; i++) expect(bytesToHex(headers[i]!.prevHash)).toBe(bytesToHex(headers[i - 1]!.hash));
  });

  it(`all ${headers.length} are accepted in order${headers.length > 2016 ? ', across the retarget at 2016' : ''}`, () => {
    const chain = new Chainstate(MAINNET, { now: () => NOW });
    expect(chain.acceptHeader(headers[0]!)).toBe(chain.genesis);
    rest.forEach((h, i) => {
      const entry = chain.acceptHeader(h);
      expect(entry.height).toBe(i + 1);
      expect(entry.hasData).toBe(false);
    });
    const last = chain.getEntry(headers[headers.length - 1]!.id)!;
    expect(last.chainWork).toBe(BigInt(headers.length) * workFromBits(0x1d00ffff));
    expect(chain.tip).toBe(chain.genesis); // headers alone never move the active chain
    expect(headerVectors.source).toContain(last.id);
  });

  it('a header with its nonce changed fails with high-hash and is not added', () => {
    const chain = new Chainstate(MAINNET, { now: () => NOW });
    const k = Math.min(50, rest.length);
    for (const h of rest.slice(0, k - 1)) chain.acceptHeader(h);
    const real = rest[k - 1]!;
    const changed = real.with({ nonce: (real.nonce + 1) >>> 0 });
    expectRuleError(() => chain.acceptHeader(changed), 'high-hash');
    expect(chain.getEntry(changed.id)).toBeUndefined();
    expect(chain.acceptHeader(real).height).toBe(k);
  });

  it('a header with bits above the proof-of-work limit fails with bad-diffbits', () => {
    const chain = new Chainstate(MAINNET, { now: () => NOW });
    const h = rest[0]!;
    for (const bits of [0x1d01ffff, 0x207fffff, 0x1d80ffff /* negative */, 0xff123456 /* overflow */, 0]) {
      expectRuleError(() => chain.acceptHeader(h.with({ bits })), 'bad-diffbits');
    }
    expect(chain.acceptHeader(h).height).toBe(1);
  });

  it('a header with valid proof of work at the wrong bits fails with bad-diffbits', () => {
    // Mainnet with a regtest-size proof-of-work limit, so a header at easier bits can be solved here.
    const relaxed: NetworkParams = { ...MAINNET, powLimit: bitsToTarget(0x207fffff) };
    const chain = new Chainstate(relaxed, { now: () => NOW });
    let h = rest[0]!.with({ bits: 0x207fffff });
    while (hashToBigInt(h.hash) > bitsToTarget(h.bits)) h = h.with({ nonce: (h.nonce + 1) >>> 0 });
    expectRuleError(() => chain.acceptHeader(h), 'bad-diffbits');
    expect(chain.acceptHeader(rest[0]!).height).toBe(1);
  });
});

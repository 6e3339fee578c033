// Wire formats and the arithmetic under them: transaction/header round trips, compact bits, work, merkle trees,
// retargeting, subsidy halvings, and the ParseError codes of malformed input.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Block } from './block.ts';
import { ByteReader, ByteWriter, bytesToHex, concatBytes, equalBytes, hexToBytes, type Bytes } from './bytes.ts';
import { ParseError } from './errors.ts';
import { sha256d } from './hash.ts';
import { BlockHeader, type HeaderData } from './header.ts';
import { computeMerkleRoot, merkleBranch, rootFromBranch } from './merkle.ts';
import { COIN, MAINNET, blockSubsidy } from './params.ts';
import { bitsToTarget, decodeCompact, nextBitsRequired, retarget, targetToBits, workFromBits, type RetargetParams } from './pow.ts';
import { Transaction, type TxData, type TxIn } from './tx.ts';

const RUNS = { seed: 42, numRuns: 200 };

/** Expects `f` to throw a ParseError with `code`. */
function expectParseError(f: () => unknown, code: string): void {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error, `expected ParseError ${code}`).toBeInstanceOf(ParseError);
  expect((error as ParseError).code).toBe(code);
}

const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

const txInArb = (withWitness: boolean): fc.Arbitrary<TxIn> =>
  fc.record({
    prevout: fc.record({ txid: fc.uint8Array({ minLength: 32, maxLength: 32 }), vout: u32 }),
    scriptSig: bytes(40),
    sequence: u32,
    witness: withWitness ? fc.array(bytes(80), { maxLength: 3 }) : fc.constant([]),
  });

/** Transactions with at least one input (zero inputs is the segwit marker on the wire). */
const txArb = (withWitness: boolean): fc.Arbitrary<Transaction> =>
  fc
    .record({
      version: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
      inputs: fc.array(txInArb(withWitness), { minLength: 1, maxLength: 4 }),
      outputs: fc.array(fc.record({ value: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), scriptPubKey: bytes(60) }), { maxLength: 4 }),
      locktime: u32,
    })
    .map((d: TxData) => new Transaction(d));

/** Size of the BIP-144 witness part: marker, flag, and each input's stack. */
function witnessBytes(tx: Transaction): number {
  if (!tx.hasWitness) return 0;
  const w = new ByteWriter();
  for (const i of tx.inputs) {
    w.varint(i.witness.length);
    for (const item of i.witness) w.varbytes(item);
  }
  return 2 + w.length;
}

describe('transactions round-trip', () => {
  it.each([false, true])('serialize -> parse -> serialize is the identity (witnesses: %s)', (withWitness) => {
    fc.assert(
      fc.property(txArb(withWitness), (tx) => {
        const raw = tx.toBytes();
        const parsed = Transaction.fromBytes(raw);
        expect(bytesToHex(parsed.toBytes())).toBe(bytesToHex(raw));
        expect(parsed.version).toBe(tx.version);
        expect(parsed.locktime).toBe(tx.locktime);
        expect(parsed.outputs.map((o) => o.value)).toEqual(tx.outputs.map((o) => o.value));
        expect(parsed.inputs.map((i) => i.witness.map(bytesToHex))).toEqual(tx.inputs.map((i) => i.witness.map(bytesToHex)));
        expect(bytesToHex(parsed.txid)).toBe(bytesToHex(tx.txid));
        expect(bytesToHex(parsed.wtxid)).toBe(bytesToHex(tx.wtxid));
      }),
      RUNS,
    );
  });

  it('txid equals wtxid exactly when there is no witness; the txid ignores witnesses', () => {
    fc.assert(
      fc.property(txArb(true), (tx) => {
        expect(equalBytes(tx.txid, tx.wtxid)).toBe(!tx.hasWitness);
        expect(bytesToHex(tx.txid)).toBe(bytesToHex(sha256d(tx.toBytesNoWitness())));
        expect(bytesToHex(tx.wtxid)).toBe(bytesToHex(sha256d(tx.toBytes())));
        const stripped = new Transaction({ ...tx, inputs: tx.inputs.map((i) => ({ ...i, witness: [] })) });
        expect(bytesToHex(stripped.txid)).toBe(bytesToHex(tx.txid));
      }),
      RUNS,
    );
  });

  it('weight = base size x 3 + total size, and total = base + witness bytes', () => {
    fc.assert(
      fc.property(txArb(true), (tx) => {
        expect(tx.baseSize).toBe(tx.toBytesNoWitness().length);
        expect(tx.totalSize).toBe(tx.baseSize + witnessBytes(tx));
        expect(tx.weight).toBe(tx.baseSize * 3 + tx.totalSize);
        expect(tx.vsize).toBe(Math.ceil(tx.weight / 4));
        if (!tx.hasWitness) expect(tx.weight).toBe(4 * tx.toBytes().length);
      }),
      RUNS,
    );
  });

  it('every proper prefix is truncated, and one more byte is trailing', () => {
    fc.assert(
      fc.property(txArb(true), fc.nat(), fc.integer({ min: 0, max: 255 }), (tx, cut, extra) => {
        const raw = tx.toBytes();
        expectParseError(() => Transaction.fromBytes(raw.subarray(0, cut % raw.length)), 'truncated');
        expectParseError(() => Transaction.fromBytes(concatBytes(raw, new Uint8Array([extra]))), 'trailing-bytes');
      }),
      { seed: 42, numRuns: 100 },
    );
  });
});

describe('headers round-trip', () => {
  const headerArb: fc.Arbitrary<HeaderData> = fc.record({
    version: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    prevHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    merkleRoot: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    time: u32,
    bits: u32,
    nonce: u32,
  });

  it('80 bytes out, the same fields and hash back', () => {
    fc.assert(
      fc.property(headerArb, (d) => {
        const h = new BlockHeader(d);
        const raw = h.toBytes();
        expect(raw.length).toBe(80);
        const back = BlockHeader.fromBytes(raw);
        expect(back.data()).toEqual(h.data());
        expect(back.id).toBe(h.id);
        expect(bytesToHex(back.hash)).toBe(bytesToHex(sha256d(raw)));
      }),
      RUNS,
    );
  });

  it('a header of 79 or 81 bytes is refused with bad-length', () => {
    const raw = MAINNET.genesis.header.toBytes();
    expectParseError(() => BlockHeader.fromBytes(raw.subarray(0, 79)), 'bad-length');
    expectParseError(() => BlockHeader.fromBytes(concatBytes(raw, new Uint8Array(1))), 'bad-length');
  });
});

describe('compact bits', () => {
  // Bitcoin Core src/test/arith_uint256_tests.cpp (bignum_SetCompact): nBits -> (value, negative, overflow) -> GetCompact.
  const setCompact: { bits: number; target: bigint; negative: boolean; overflow: boolean; compact: number }[] = [
    { bits: 0x00000000, target: 0n, negative: false, overflow: false, compact: 0 },
    { bits: 0x00123456, target: 0n, negative: false, overflow: false, compact: 0 },
    { bits: 0x01003456, target: 0n, negative: false, overflow: false, compact: 0 },
    { bits: 0x02000056, target: 0n, negative: false, overflow: false, compact: 0 },
    { bits: 0x03000000, target: 0n, negative: false, overflow: false, compact: 0 },
    { bits: 0x04000000, target: 0n, negative: false, overflow: false, compact: 0 },
    { bits: 0x00923456, target: 0n, negative: false, overflow: false, compact: 0 },
    { bits: 0x01803456, target: 0n, negative: false, overflow: false, compact: 0 },
    { bits: 0x02800056, target: 0n, negative: false, overflow: false, compact: 0 },
    { bits: 0x03800000, target: 0n, negative: false, overflow: false, compact: 0 },
    { bits: 0x04800000, target: 0n, negative: false, overflow: false, compact: 0 },
    { bits: 0x01123456, target: 0x12n, negative: false, overflow: false, compact: 0x01120000 },
    { bits: 0x01fedcba, target: 0x7en, negative: true, overflow: false, compact: 0x017e0000 },
    { bits: 0x02123456, target: 0x1234n, negative: false, overflow: false, compact: 0x02123400 },
    { bits: 0x03123456, target: 0x123456n, negative: false, overflow: false, compact: 0x03123456 },
    { bits: 0x04123456, target: 0x12345600n, negative: false, overflow: false, compact: 0x04123456 },
    { bits: 0x04923456, target: 0x12345600n, negative: true, overflow: false, compact: 0x04123456 },
    { bits: 0x05009234, target: 0x92340000n, negative: false, overflow: false, compact: 0x05009234 },
    { bits: 0x20123456, target: 0x123456n << (8n * 29n), negative: false, overflow: false, compact: 0x20123456 },
    { bits: 0xff123456, target: null as never, negative: false, overflow: true, compact: 0 },
  ];

  it.each(setCompact.map((c) => ({ ...c, hex: c.bits.toString(16).padStart(8, '0') })))('0x$hex', (c) => {
    const d = decodeCompact(c.bits);
    expect(d.negative).toBe(c.negative);
    expect(d.overflow).toBe(c.overflow);
    if (c.overflow) {
      expect(bitsToTarget(c.bits)).toBe(0n);
      return;
    }
    expect(d.target).toBe(c.target);
    expect(bitsToTarget(c.bits)).toBe(c.negative ? 0n : c.target);
    // GetCompact of the magnitude (the sign is dropped: targets are never negative).
    expect(targetToBits(d.target).toString(16)).toBe(c.compact.toString(16));
  });

  it('overflow boundaries: what fits in 256 bits is not overflow (arith_uint256::SetCompact)', () => {
    const cases: [number, boolean][] = [
      [0x207fffff, false],
      [0x21010000, true],
      [0x2100ffff, false],
      [0x210000ff, false],
      [0x22000100, true],
      [0x220000ff, false],
      [0x23000001, true],
      [0x23000000, false], // a zero mantissa is zero, not overflow
    ];
    for (const [bits, overflow] of cases) {
      const d = decodeCompact(bits);
      expect(d.overflow, bits.toString(16)).toBe(overflow);
      if (!overflow) expect(d.target < 1n << 256n, bits.toString(16)).toBe(true);
    }
  });

  it('bits -> target -> bits is the identity for canonical compact values', () => {
    const canonical = fc.oneof(
      fc.tuple(fc.integer({ min: 3, max: 32 }), fc.integer({ min: 0x010000, max: 0x7fffff })).map(([size, m]) => (size << 24) | m),
      fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0x01, max: 0x7f })).map(([size, top]) => (size << 24) | (top << 16)),
    );
    fc.assert(
      fc.property(canonical, (bits) => {
        expect(targetToBits(bitsToTarget(bits)) >>> 0).toBe(bits >>> 0);
      }),
      RUNS,
    );
  });

  it('target -> bits keeps the top 23 bits: decoding never grows the target and re-encoding is stable', () => {
    const target = fc.bigInt({ min: 1n, max: (1n << 256n) - 1n });
    fc.assert(
      fc.property(target, (t) => {
        const bits = targetToBits(t);
        const back = bitsToTarget(bits);
        expect(decodeCompact(bits).negative).toBe(false);
        expect(back).toBeLessThanOrEqual(t);
        expect(back).toBeGreaterThan(0n);
        // Only bits below the top 24 (or the top 16, after a sign shift) are lost.
        expect(t - back).toBeLessThan(t >> 15n || 1n);
        expect(targetToBits(back)).toBe(bits);
      }),
      RUNS,
    );
  });

  it('work: 2^256 / (target + 1)', () => {
    expect(workFromBits(0x1d00ffff)).toBe(0x100010001n);
    expect(workFromBits(0x207fffff)).toBe(2n);
    expect(workFromBits(0x04923456)).toBe(0n); // negative
    expect(workFromBits(0xff123456)).toBe(0n); // overflow
    expect(workFromBits(0)).toBe(0n);
  });
});

describe('merkle trees', () => {
  const leaf = (i: number): Bytes => sha256d(new Uint8Array([i & 0xff, i >> 8]));
  const pair = (a: Bytes, b: Bytes): Bytes => sha256d(concatBytes(a, b));
  const [a, b, c, d, e, f] = [0, 1, 2, 3, 4, 5].map(leaf) as [Bytes, Bytes, Bytes, Bytes, Bytes, Bytes];
  const hex = (x: Bytes) => bytesToHex(x);

  it('no leaves: 32 zero bytes; one leaf: the leaf itself', () => {
    expect(computeMerkleRoot([])).toEqual({ root: new Uint8Array(32), mutated: false });
    expect(hex(computeMerkleRoot([a]).root)).toBe(hex(a));
  });

  it('an odd level pairs its last hash with itself', () => {
    expect(hex(computeMerkleRoot([a, b]).root)).toBe(hex(pair(a, b)));
    expect(hex(computeMerkleRoot([a, b, c]).root)).toBe(hex(pair(pair(a, b), pair(c, c))));
    const five = pair(pair(pair(a, b), pair(c, d)), pair(pair(e, e), pair(e, e)));
    expect(hex(computeMerkleRoot([a, b, c, d, e]).root)).toBe(hex(five));
  });

  it('CVE-2012-2459: duplicating the last pair keeps the root and is reported as mutated', () => {
    const plain = computeMerkleRoot([a, b, c]);
    const dup = computeMerkleRoot([a, b, c, c]);
    expect(plain.mutated).toBe(false);
    expect(dup.mutated).toBe(true);
    expect(hex(dup.root)).toBe(hex(plain.root));

    const six = computeMerkleRoot([a, b, c, d, e, f]);
    const eight = computeMerkleRoot([a, b, c, d, e, f, e, f]);
    expect(six.mutated).toBe(false);
    expect(eight.mutated).toBe(true);
    expect(hex(eight.root)).toBe(hex(six.root));
  });

  it('equal hashes at a pair position are mutated; equal neighbours across pairs are not', () => {
    expect(computeMerkleRoot([a, a]).mutated).toBe(true);
    expect(computeMerkleRoot([a, b, b, c]).mutated).toBe(false);
    expect(computeMerkleRoot([a, b, a, b]).mutated).toBe(true); // level 1 holds H(a,b) twice
  });

  it('merkleBranch + rootFromBranch prove every leaf', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((n) => fc.tuple(fc.constant(n), fc.nat({ max: n - 1 }))),
        ([n, index]) => {
          const leaves = Array.from({ length: n }, (_, i) => leaf(i));
          const root = computeMerkleRoot(leaves).root;
          const branch = merkleBranch(leaves, index);
          expect(branch.length).toBe(Math.ceil(Math.log2(n)));
          expect(hex(rootFromBranch(leaves[index]!, branch, index))).toBe(hex(root));
          // The branch is bound to the position (unless the sibling is the leaf's own duplicate at an odd end).
          if ((index ^ 1) < n) expect(hex(rootFromBranch(leaves[index]!, branch, index ^ 1))).not.toBe(hex(root));
        },
      ),
      { seed: 42, numRuns: 100 },
    );
  });
});

describe('retarget', () => {
  const p: RetargetParams = { powLimit: bitsToTarget(0x1d00ffff), targetSpacing: 600, retargetInterval: 2016, noRetarget: false };
  const expected = 600 * 2016;

  // Bitcoin Core src/test/pow_tests.cpp: (first block time of the window, last block) -> required bits.
  const core = [
    { name: 'get_next_work', first: 1261130161, height: 32255, time: 1262152739, bits: 0x1d00ffff, next: 0x1d00d86a },
    { name: 'get_next_work_pow_limit', first: 1231006505, height: 2015, time: 1233061996, bits: 0x1d00ffff, next: 0x1d00ffff },
    { name: 'get_next_work_lower_limit_actual', first: 1279008237, height: 68543, time: 1279297671, bits: 0x1c05a3f4, next: 0x1c0168fd },
    { name: 'get_next_work_upper_limit_actual', first: 1263163443, height: 46367, time: 1269211443, bits: 0x1c387f6f, next: 0x1d00e1fd },
  ];

  it.each(core)('$name', (c) => {
    expect(nextBitsRequired({ height: c.height, bits: c.bits, time: c.time }, () => c.first, p).toString(16)).toBe(c.next.toString(16));
  });

  it('keeps bits between retarget heights and with noRetarget', () => {
    const never = () => {
      throw new Error('the window start is read only at a retarget');
    };
    expect(nextBitsRequired({ height: 2013, bits: 0x1c05a3f4, time: 0 }, never, p)).toBe(0x1c05a3f4);
    expect(nextBitsRequired({ height: 2015, bits: 0x1c05a3f4, time: 0 }, never, { ...p, noRetarget: true })).toBe(0x1c05a3f4);
  });

  it('clamps the timespan to a factor of 4 both ways and never exceeds powLimit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0x010000, max: 0x7fffff }), fc.integer({ min: 0, max: expected * 20 }), (mantissa, timespan) => {
        const bits = (0x1b << 24) | mantissa;
        const before = bitsToTarget(bits);
        const after = bitsToTarget(retarget(bits, timespan, p));
        // The re-encoded target loses low bits only: compare within the precision of the compact form.
        const slack = (before * 4n) >> 14n;
        expect(after).toBeLessThanOrEqual(before * 4n);
        expect(after).toBeGreaterThanOrEqual(before / 4n - slack);
        expect(after).toBeLessThanOrEqual(p.powLimit);
        if (timespan >= expected * 4) expect(after).toBeGreaterThanOrEqual(before * 4n - slack);
        if (timespan <= expected / 4) expect(after).toBeLessThanOrEqual(before / 4n);
      }),
      RUNS,
    );
    expect(retarget(0x1d00ffff, expected * 100, p)).toBe(0x1d00ffff);
    expect(retarget(0x1c387f6f, expected * 100, p)).toBe(retarget(0x1c387f6f, expected * 4, p));
    expect(retarget(0x1c05a3f4, 0, p)).toBe(retarget(0x1c05a3f4, expected / 4, p));
    expect(retarget(0x1c05a3f4, -5000, p)).toBe(0x1c0168fd); // a negative timespan (time going backwards) clamps too
  });
});

describe('block subsidy', () => {
  it('halves every 210000 blocks and is zero from the 64th halving', () => {
    expect(blockSubsidy(0, MAINNET)).toBe(50n * COIN);
    expect(blockSubsidy(209_999, MAINNET)).toBe(50n * COIN);
    expect(blockSubsidy(210_000, MAINNET)).toBe(25n * COIN);
    expect(blockSubsidy(420_000, MAINNET)).toBe(1_250_000_000n);
    expect(blockSubsidy(840_000, MAINNET)).toBe(312_500_000n);
    expect(blockSubsidy(32 * 210_000, MAINNET)).toBe(1n);
    expect(blockSubsidy(33 * 210_000, MAINNET)).toBe(0n);
    expect(blockSubsidy(64 * 210_000 - 1, MAINNET)).toBe(0n);
    expect(blockSubsidy(64 * 210_000, MAINNET)).toBe(0n);
    expect(blockSubsidy(100 * 210_000, MAINNET)).toBe(0n); // no shift by 64 or more wraps around
  });

  it('sums to just under 21 million coins', () => {
    let total = 0n;
    for (let halving = 0; halving < 70; halving++) total += 210_000n * blockSubsidy(halving * 210_000, MAINNET);
    expect(total).toBe(2_099_999_997_690_000n);
    expect(total).toBeLessThanOrEqual(MAINNET.maxMoney);
  });
});

describe('ParseError codes', () => {
  // A minimal legacy transaction: version 1, one input, one output, locktime 0.
  const legacy = new Transaction({
    version: 1,
    inputs: [{ prevout: { txid: new Uint8Array(32).fill(1), vout: 0 }, scriptSig: new Uint8Array([0x51]), sequence: 0xffffffff, witness: [] }],
    outputs: [{ value: 1000n, scriptPubKey: new Uint8Array([0x51]) }],
    locktime: 0,
  });
  const raw = legacy.toBytes();

  it('bad hex', () => {
    expectParseError(() => hexToBytes('abc'), 'bad-hex');
    expectParseError(() => hexToBytes('zz'), 'bad-hex');
    expectParseError(() => hexToBytes('0x00'), 'bad-hex');
    expectParseError(() => hexToBytes(' 00'), 'bad-hex');
    expect(hexToBytes('')).toEqual(new Uint8Array(0));
    expect(hexToBytes('aBcD')).toEqual(new Uint8Array([0xab, 0xcd]));
  });

  it('truncated and trailing', () => {
    expectParseError(() => Transaction.fromBytes(new Uint8Array(0)), 'truncated');
    expectParseError(() => Transaction.fromBytes(raw.subarray(0, raw.length - 1)), 'truncated');
    expectParseError(() => Transaction.fromBytes(concatBytes(raw, new Uint8Array([0]))), 'trailing-bytes');
    const block = MAINNET.genesis.toBytes();
    expectParseError(() => Block.fromBytes(block.subarray(0, block.length - 4)), 'truncated');
    expectParseError(() => Block.fromBytes(concatBytes(block, new Uint8Array([0]))), 'trailing-bytes');
  });

  it('non-canonical and oversized CompactSize', () => {
    // Input count 1 written as 0xfd 0x01 0x00.
    const nonCanonical = concatBytes(raw.subarray(0, 4), new Uint8Array([0xfd, 0x01, 0x00]), raw.subarray(5));
    expectParseError(() => Transaction.fromBytes(nonCanonical), 'non-canonical-varint');
    expectParseError(() => new ByteReader(new Uint8Array([0xfd, 0xfc, 0x00])).varint(), 'non-canonical-varint');
    expect(new ByteReader(new Uint8Array([0xfd, 0xfd, 0x00])).varint()).toBe(0xfd);
    expectParseError(() => new ByteReader(new Uint8Array([0xfe, 0xff, 0xff, 0x00, 0x00])).varint(), 'non-canonical-varint');
    expect(new ByteReader(new Uint8Array([0xfe, 0x00, 0x00, 0x01, 0x00])).varint()).toBe(0x10000);
    expectParseError(() => new ByteReader(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])).varint(), 'non-canonical-varint');
    expectParseError(() => new ByteReader(new Uint8Array([0xfe, 0x01, 0x00, 0x00, 0x02])).varint(), 'oversized');
    expectParseError(() => new ByteReader(new Uint8Array([0xfd, 0x00])).varint(), 'truncated');
  });

  it('a segwit marker without witness data, and a bad flag', () => {
    // version, marker 0x00, flag 0x01, then the legacy body and one empty witness stack before the locktime.
    const body = raw.subarray(4, raw.length - 4);
    const superfluous = concatBytes(raw.subarray(0, 4), new Uint8Array([0x00, 0x01]), body, new Uint8Array([0x00]), raw.subarray(raw.length - 4));
    expectParseError(() => Transaction.fromBytes(superfluous), 'superfluous-witness');
    const withItem = concatBytes(raw.subarray(0, 4), new Uint8Array([0x00, 0x01]), body, new Uint8Array([0x01, 0x01, 0xaa]), raw.subarray(raw.length - 4));
    expect(Transaction.fromBytes(withItem).inputs[0]!.witness.map(bytesToHex)).toEqual(['aa']);
    const badFlag = concatBytes(raw.subarray(0, 4), new Uint8Array([0x00, 0x02]), body, new Uint8Array([0x01, 0x01, 0xaa]), raw.subarray(raw.length - 4));
    expectParseError(() => Transaction.fromBytes(badFlag), 'bad-tx-flag');
  });
});

describe('forklab genesis', () => {
  it('is the block its id names, and its proof of work holds', async () => {
    const { FORKLAB, FORKLAB_GENESIS_ID } = await import('./params.ts');
    const { checkProofOfWork } = await import('./pow.ts');
    expect(FORKLAB.genesis.id).toBe(FORKLAB_GENESIS_ID);
    expect(() => checkProofOfWork(FORKLAB.genesis.hash, FORKLAB.genesis.header.bits, FORKLAB.powLimit)).not.toThrow();
  });
});

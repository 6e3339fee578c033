// Output scripts: template recognition (synthetic and real mainnet scripts), builders, ASM, CScriptNum, BIP-34 heights.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import mainnet from '../../../test/vectors/mainnet-blocks.json' with { type: 'json' };
import { bytesToHex, concatBytes, hexToBytes } from './bytes.ts';
import { ParseError } from './errors.ts';
import {
  classifyScript,
  decodeScriptNum,
  encodeScriptNum,
  isUnspendable,
  nullDataScript,
  opcodeName,
  p2trScript,
  parseScript,
  pushData,
  readCoinbaseHeight,
  readPushes,
  scriptToAsm,
  type ScriptType,
} from './script.ts';

const SEED = 0x5c1e7;
const h = (s: string) => hexToBytes(s.replace(/\s+/g, ''));
const repeat = (byte: number, n: number) => new Uint8Array(n).fill(byte);

const HASH20 = '751e76e8199196d454941c45d1b3a323f1433bd6';
const HASH32 = '1863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262';
const KEY33 = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
const KEY33B = '02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5';
const KEY65 =
  '04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5f';

interface ClassifyCase {
  name: string;
  script: string;
  type: ScriptType;
  witnessVersion?: number;
  program?: string;
  pubkeys?: string[];
  required?: number;
  data?: string[];
}

const cases: ClassifyCase[] = [
  { name: 'p2pk, compressed key', script: `21${KEY33}ac`, type: 'p2pk', pubkeys: [KEY33] },
  { name: 'p2pk, uncompressed key', script: `41${KEY65}ac`, type: 'p2pk', pubkeys: [KEY65] },
  { name: 'p2pkh', script: `76a914${HASH20}88ac`, type: 'p2pkh', program: HASH20 },
  { name: 'p2sh', script: `a914${HASH20}87`, type: 'p2sh', program: HASH20 },
  { name: 'p2wpkh', script: `0014${HASH20}`, type: 'p2wpkh', witnessVersion: 0, program: HASH20 },
  { name: 'p2wsh', script: `0020${HASH32}`, type: 'p2wsh', witnessVersion: 0, program: HASH32 },
  { name: 'p2tr', script: `5120${HASH32}`, type: 'p2tr', witnessVersion: 1, program: HASH32 },
  { name: 'witness v1, 20-byte program', script: `5114${HASH20}`, type: 'witness_unknown', witnessVersion: 1, program: HASH20 },
  { name: 'witness v1, 2-byte anchor program', script: '51024e73', type: 'witness_unknown', witnessVersion: 1, program: '4e73' },
  { name: 'witness v2, 16-byte program', script: '5210751e76e8199196d454941c45d1b3a323', type: 'witness_unknown', witnessVersion: 2, program: '751e76e8199196d454941c45d1b3a323' },
  { name: 'witness v16, 2-byte program', script: '6002751e', type: 'witness_unknown', witnessVersion: 16, program: '751e' },
  { name: 'witness v16, 40-byte program', script: `6028${HASH20}${HASH20}`, type: 'witness_unknown', witnessVersion: 16, program: HASH20 + HASH20 },
  { name: 'bare multisig 1-of-2', script: `5121${KEY33}21${KEY33B}52ae`, type: 'multisig', required: 1, pubkeys: [KEY33, KEY33B] },
  { name: 'bare multisig 2-of-3, mixed key sizes', script: `5221${KEY33}41${KEY65}21${KEY33B}53ae`, type: 'multisig', required: 2, pubkeys: [KEY33, KEY65, KEY33B] },
  { name: 'bare multisig with pushed counts (17 is not an OP_n)', script: `0111${`21${KEY33}`.repeat(17)}0111ae`, type: 'multisig', required: 17, pubkeys: Array<string>(17).fill(KEY33) },
  { name: 'OP_RETURN alone', script: '6a', type: 'nulldata', data: [] },
  { name: 'OP_RETURN with pushes', script: '6a0401020304004c0105', type: 'nulldata', data: ['01020304', '', '05'] },
  { name: 'OP_RETURN with small-int opcodes', script: '6a4f5160', type: 'nulldata', data: ['81', '01', '10'] },
  { name: 'witness commitment', script: `6a24aa21a9ed${HASH32}`, type: 'nulldata', data: [`aa21a9ed${HASH32}`] },
  { name: 'empty script', script: '', type: 'nonstandard' },
  { name: 'witness v0 with a 21-byte program', script: `0015${HASH20}00`, type: 'nonstandard' },
  { name: 'witness program with PUSHDATA1', script: `004c14${HASH20}`, type: 'nonstandard' },
  { name: 'witness v1 with a 41-byte program', script: `5129${HASH20}${HASH20}00`, type: 'nonstandard' },
  { name: 'OP_RETURN followed by a non-push', script: '6a0401020304ac', type: 'nonstandard' },
  { name: 'OP_RETURN with a truncated push', script: '6a0501020304', type: 'nonstandard' },
  { name: 'p2pk with a bad key prefix', script: `21${'05' + KEY33.slice(2)}ac`, type: 'nonstandard' },
  { name: 'p2pkh with OP_EQUAL instead of OP_EQUALVERIFY', script: `76a914${HASH20}87ac`, type: 'nonstandard' },
  { name: 'multisig: m > n', script: `5221${KEY33}21${KEY33B}51ae`, type: 'nonstandard' },
  { name: 'multisig: key count disagrees with n', script: `5121${KEY33}21${KEY33B}53ae`, type: 'nonstandard' },
  { name: 'multisig: OP_0 required', script: `0021${KEY33}51ae`, type: 'nonstandard' },
  { name: 'multisig: last byte 0xae inside a push', script: `5121${KEY33}5102aeae`, type: 'nonstandard' },
];

describe('classifyScript', () => {
  for (const c of cases) {
    it(c.name, () => {
      const info = classifyScript(h(c.script));
      expect(info.type).toBe(c.type);
      expect(info.witnessVersion).toBe(c.witnessVersion);
      expect(info.program && bytesToHex(info.program)).toBe(c.program);
      expect(info.pubkeys?.map(bytesToHex)).toEqual(c.pubkeys);
      expect(info.required).toBe(c.required);
      expect(info.data?.map(bytesToHex)).toEqual(c.data);
    });
  }

  it('returns copies, not views into the script', () => {
    const script = h(`0014${HASH20}`);
    const info = classifyScript(script);
    script[2] = 0xff;
    expect(bytesToHex(info.program!)).toBe(HASH20);
  });
});

describe('real mainnet output scripts', () => {
  const outputsAt = (height: number) => {
    const block = mainnet.blocks.find((b) => b.height === height);
    if (!block) throw new Error(`no block ${height} in mainnet-blocks.json`);
    return block.outputs;
  };

  it('every coinbase output of blocks 0-10 is pay-to-pubkey with an uncompressed key', () => {
    for (let height = 0; height <= 10; height++) {
      for (const out of outputsAt(height)) {
        const info = classifyScript(hexToBytes(out.scriptPubKey));
        expect(info.type).toBe('p2pk');
        expect(info.pubkeys![0]!.length).toBe(65);
      }
    }
  });

  it('the genesis coinbase pays 50 BTC to the famous key', () => {
    const [out] = outputsAt(0);
    expect(out!.value).toBe(5_000_000_000);
    const info = classifyScript(hexToBytes(out!.scriptPubKey));
    expect(info).toEqual({ type: 'p2pk', pubkeys: [hexToBytes(KEY65)] });
    expect(scriptToAsm(hexToBytes(out!.scriptPubKey))).toBe(`${KEY65} OP_CHECKSIG`);
  });

  it('block 170: the coinbase and both outputs of the first payment are pay-to-pubkey', () => {
    expect(outputsAt(170).map((o) => classifyScript(hexToBytes(o.scriptPubKey)).type)).toEqual(['p2pk', 'p2pk', 'p2pk']);
  });

  it('block 100000: coinbase p2pk, the rest p2pkh', () => {
    const types = outputsAt(100000).map((o) => classifyScript(hexToBytes(o.scriptPubKey)).type);
    expect(types).toEqual(['p2pk', 'p2pkh', 'p2pkh', 'p2pkh', 'p2pkh', 'p2pkh']);
    const p2pkh = hexToBytes(outputsAt(100000)[1]!.scriptPubKey);
    expect(scriptToAsm(p2pkh)).toBe(`OP_DUP OP_HASH160 ${bytesToHex(p2pkh.subarray(3, 23))} OP_EQUALVERIFY OP_CHECKSIG`);
  });

  it('block 603351: p2pkh reward and an unspendable witness commitment', () => {
    const block = mainnet.blocks.find((b) => b.height === 603351)!;
    const [reward, commitment] = block.outputs.map((o) => hexToBytes(o.scriptPubKey));
    expect(classifyScript(reward!).type).toBe('p2pkh');
    const info = classifyScript(commitment!);
    expect(info.type).toBe('nulldata');
    expect(bytesToHex(info.data![0]!)).toBe(`aa21a9ed${block.witnessCommitment}`);
    expect(isUnspendable(commitment!)).toBe(true);
    expect(isUnspendable(reward!)).toBe(false);
  });
});

describe('builders', () => {
  it('p2trScript is OP_1 PUSH32 key and classifies back', () => {
    const key = h(HASH32);
    const script = p2trScript(key);
    expect(bytesToHex(script)).toBe(`5120${HASH32}`);
    expect(classifyScript(script)).toEqual({ type: 'p2tr', witnessVersion: 1, program: key });
    expect(() => p2trScript(h(HASH20))).toThrow(ParseError);
  });

  it('nullDataScript pushes each item minimally and classifies back to the same data', () => {
    const items = [new TextEncoder().encode('forklab'), new Uint8Array(0), Uint8Array.of(7), Uint8Array.of(0x81), repeat(0xab, 80)];
    const script = nullDataScript(...items);
    expect(bytesToHex(script.subarray(0, 10))).toBe('6a07666f726b6c616200');
    expect(classifyScript(script)).toEqual({ type: 'nulldata', data: items });
    expect(bytesToHex(nullDataScript())).toBe('6a');
  });

  const pushCases: [string, Uint8Array, string][] = [
    ['empty -> OP_0', new Uint8Array(0), '00'],
    ['0x05 -> OP_5', Uint8Array.of(5), '55'],
    ['0x10 -> OP_16', Uint8Array.of(16), '60'],
    ['0x81 -> OP_1NEGATE', Uint8Array.of(0x81), '4f'],
    ['0x00 -> direct push', Uint8Array.of(0), '0100'],
    ['0x11 -> direct push', Uint8Array.of(0x11), '0111'],
    ['75 bytes -> direct push', repeat(1, 75), '4b' + '01'.repeat(75)],
    ['76 bytes -> PUSHDATA1', repeat(1, 76), '4c4c' + '01'.repeat(76)],
    ['255 bytes -> PUSHDATA1', repeat(1, 255), '4cff' + '01'.repeat(255)],
    ['256 bytes -> PUSHDATA2', repeat(1, 256), '4d0001' + '01'.repeat(256)],
    ['65535 bytes -> PUSHDATA2', repeat(1, 65535), '4dffff' + '01'.repeat(65535)],
    ['65536 bytes -> PUSHDATA4', repeat(1, 65536), '4e00000100' + '01'.repeat(65536)],
  ];
  for (const [name, data, expected] of pushCases) {
    it(`pushData: ${name}`, () => {
      const pushed = pushData(data);
      expect(bytesToHex(pushed)).toBe(expected);
      expect(readPushes(pushed)).toEqual([data]);
    });
  }
});

describe('parseScript and readPushes', () => {
  it('splits a script into opcodes and pushes', () => {
    const ops = parseScript(h(`76a914${HASH20}88ac`));
    expect(ops.map((o) => o.opcode)).toEqual([0x76, 0xa9, 0x14, 0x88, 0xac]);
    expect(bytesToHex(ops[2]!.data!)).toBe(HASH20);
    expect(ops.map((o) => [o.offset, o.end])).toEqual([[0, 1], [1, 2], [2, 23], [23, 24], [24, 25]]);
  });

  it('throws ParseError on truncated pushes', () => {
    for (const s of ['01', '4c', '4c02ff', '4d01', '4d0200ff', '4e010000', '4e02000000ff', '76a914']) {
      expect(() => parseScript(h(s)), s).toThrow(ParseError);
    }
  });

  it('readPushes returns null for scripts that are not push-only', () => {
    expect(readPushes(h('0101ac'))).toBeNull();
    expect(readPushes(h('61'))).toBeNull();
    expect(readPushes(h('0201'))).toBeNull();
    expect(readPushes(h(''))).toEqual([]);
    expect(readPushes(h('50'))).toEqual([]);
  });
});

describe('isUnspendable', () => {
  it('follows CScript::IsUnspendable', () => {
    expect(isUnspendable(h('6a'))).toBe(true);
    expect(isUnspendable(h('6a0401020304'))).toBe(true);
    expect(isUnspendable(h(''))).toBe(false);
    expect(isUnspendable(h('006a'))).toBe(false);
    expect(isUnspendable(repeat(0x61, 10_000))).toBe(false);
    expect(isUnspendable(repeat(0x61, 10_001))).toBe(true);
  });
});

describe('scriptToAsm', () => {
  const asmCases: [string, string, string][] = [
    ['p2pkh', `76a914${HASH20}88ac`, `OP_DUP OP_HASH160 ${HASH20} OP_EQUALVERIFY OP_CHECKSIG`],
    ['p2sh', `a914${HASH20}87`, `OP_HASH160 ${HASH20} OP_EQUAL`],
    ['p2wpkh', `0014${HASH20}`, `0 ${HASH20}`],
    ['p2tr', `5120${HASH32}`, `1 ${HASH32}`],
    ['multisig', `5121${KEY33}21${KEY33B}52ae`, `1 ${KEY33} ${KEY33B} 2 OP_CHECKMULTISIG`],
    ['block 100000 coinbase scriptSig', '044c86041b020602', '453281356 518'],
    ['numbers: sign bit, negative zero, non-minimal', '0181 0180 028080 020100 04ffffffff', '-1 0 -128 1 -2147483647'],
    ['small-int and named opcodes', '4f00515f60616ab1b2ba', '-1 0 1 15 16 OP_NOP OP_RETURN OP_CHECKLOCKTIMEVERIFY OP_CHECKSEQUENCEVERIFY OP_CHECKSIGADD'],
    ['unknown and invalid opcodes', 'bbfe50ff', 'OP_UNKNOWN OP_UNKNOWN OP_RESERVED OP_INVALIDOPCODE'],
    ['PUSHDATA forms still print their data', `4c0401020304 4d0500${'01'.repeat(5)}`, `67305985 ${'01'.repeat(5)}`],
    ['empty script', '', ''],
    ['truncated push ends with [error]', '6a0501020304', 'OP_RETURN [error]'],
    ['truncated PUSHDATA2 length', '764d01', 'OP_DUP [error]'],
  ];
  for (const [name, script, asm] of asmCases) {
    it(name, () => expect(scriptToAsm(h(script))).toBe(asm));
  }

  it('genesis coinbase scriptSig: short pushes as numbers, the headline as hex', () => {
    const scriptSig = hexToBytes(mainnet.blocks[0]!.coinbaseScriptSig);
    const headline = bytesToHex(new TextEncoder().encode('The Times 03/Jan/2009 Chancellor on brink of second bailout for banks'));
    expect(scriptToAsm(scriptSig)).toBe(`486604799 4 ${headline}`);
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(typeof scriptToAsm(bytes)).toBe('string');
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('names every opcode the way Core does', () => {
    expect(opcodeName(0x00)).toBe('0');
    expect(opcodeName(0x4f)).toBe('-1');
    expect(opcodeName(0x58)).toBe('8');
    expect(opcodeName(0xa9)).toBe('OP_HASH160');
    expect(opcodeName(0xb9)).toBe('OP_NOP10');
    expect(opcodeName(0xc0)).toBe('OP_UNKNOWN');
  });
});

describe('CScriptNum', () => {
  const numCases: [number, string][] = [
    [0, ''],
    [1, '01'],
    [-1, '81'],
    [16, '10'],
    [127, '7f'],
    [-127, 'ff'],
    [128, '8000'],
    [-128, '8080'],
    [255, 'ff00'],
    [-255, 'ff80'],
    [256, '0001'],
    [32767, 'ff7f'],
    [32768, '008000'],
    [-32768, '008080'],
    [8388607, 'ffff7f'],
    [8388608, '00008000'],
    [2147483647, 'ffffff7f'],
    [-2147483647, 'ffffffff'],
    [2147483648, '0000008000'],
    [549755813887, 'ffffffff7f'],
  ];
  for (const [n, encoded] of numCases) {
    it(`${n} <-> "${encoded}"`, () => {
      expect(bytesToHex(encodeScriptNum(n))).toBe(encoded);
      expect(decodeScriptNum(h(encoded), 5, true)).toBe(n);
    });
  }

  it('decodes non-minimal encodings unless minimality is required', () => {
    expect(decodeScriptNum(h('0100'))).toBe(1);
    expect(decodeScriptNum(h('80'))).toBe(0);
    expect(decodeScriptNum(h('00'))).toBe(0);
    expect(decodeScriptNum(h('000080'))).toBe(0);
    expect(decodeScriptNum(h('ff0080'))).toBe(-255);
    for (const s of ['00', '80', '0100', '0180', 'ff0000', '000080']) {
      expect(() => decodeScriptNum(h(s), 4, true), s).toThrow(ParseError);
    }
    // 0x80 in the last byte is needed when the previous byte already uses its top bit
    expect(decodeScriptNum(h('8000'), 4, true)).toBe(128);
    expect(decodeScriptNum(h('8080'), 4, true)).toBe(-128);
  });

  it('rejects numbers longer than maxLen', () => {
    expect(() => decodeScriptNum(h('0000008000'))).toThrow(ParseError);
    expect(decodeScriptNum(h('0000008000'), 5)).toBe(2147483648);
    expect(() => decodeScriptNum(h('01'), 0)).toThrow(ParseError);
    expect(() => decodeScriptNum(h('01'), 7)).toThrow(RangeError);
    expect(() => encodeScriptNum(0.5)).toThrow(RangeError);
    expect(() => encodeScriptNum(2 ** 53)).toThrow(RangeError);
  });

  it('round-trips every 4-byte number through a minimal encoding (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31 - 1), max: 2 ** 31 - 1 }), (n) => {
        const encoded = encodeScriptNum(n);
        expect(encoded.length).toBeLessThanOrEqual(4);
        expect(decodeScriptNum(encoded, 4, true)).toBe(n);
      }),
      { seed: SEED, numRuns: 5000 },
    );
  });

  it('round-trips safe integers up to 6 bytes (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 47 - 1), max: 2 ** 47 - 1 }), (n) => {
        expect(decodeScriptNum(encodeScriptNum(n), 6, true)).toBe(n);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('decoding any short byte string and re-encoding gives the minimal form of the same number (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4 }), (bytes) => {
        const n = decodeScriptNum(bytes);
        const minimal = encodeScriptNum(n);
        expect(minimal.length).toBeLessThanOrEqual(bytes.length);
        expect(decodeScriptNum(minimal, 4, true)).toBe(n);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});

describe('readCoinbaseHeight (BIP-34)', () => {
  it('reads the height of the real post-BIP-34 block 603351', () => {
    const block = mainnet.blocks.find((b) => b.height === 603351)!;
    expect(readCoinbaseHeight(hexToBytes(block.coinbaseScriptSig))).toBe(603351);
  });

  it('pre-BIP-34 coinbases start with other numbers (the bits), not their height', () => {
    for (const block of mainnet.blocks.filter((b) => b.height < 227931)) {
      expect(readCoinbaseHeight(hexToBytes(block.coinbaseScriptSig))).not.toBe(block.height);
    }
    expect(readCoinbaseHeight(h('04ffff001d0104'))).toBe(0x1d00ffff);
    expect(readCoinbaseHeight(h('044c86041b020602'))).toBe(0x1b04864c);
  });

  const heightCases: [string, string, number | null][] = [
    ['OP_0 is height 0', '00', 0],
    ['OP_1 is height 1', '51ff', 1],
    ['OP_16 is height 16', '60', 16],
    ['17 is a one-byte push', '0111', 17],
    ['128 needs a sign byte', '028000', 128],
    ['227931, the first BIP-34-enforced height', '035b7a03', 227931],
    ['a height followed by extra nonce data', `03d73409${'0d'}${'00'.repeat(13)}`, 603351],
    ['5 pushed as bytes instead of OP_5 is not canonical', '0105', null],
    ['PUSHDATA1 is not canonical', '4c0111', null],
    ['non-minimal number', '021100', null],
    ['negative number', '0181', null],
    ['OP_1NEGATE', '4f', null],
    ['empty scriptSig', '', null],
    ['starts with an opcode', '6a0111', null],
    ['truncated push', '03d734', null],
    ['6-byte push is too long for a height', '06010000000000', null],
  ];
  for (const [name, script, height] of heightCases) {
    it(name, () => expect(readCoinbaseHeight(h(script))).toBe(height));
  }

  it('reads back what a miner writes, pushData(encodeScriptNum(height)) (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.uint8Array({ maxLength: 20 }), (height, extra) => {
        const scriptSig = concatBytes(pushData(encodeScriptNum(height)), extra);
        expect(readCoinbaseHeight(scriptSig)).toBe(height);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});

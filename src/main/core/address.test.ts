// Addresses: BIP-173/350 segwit vectors, Base58Check vectors, network prefixes and script round trips.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import bip350 from '../../../test/vectors/bip350.json' with { type: 'json' };
import bip86 from '../../../test/vectors/bip86.json' with { type: 'json' };
import bip341 from '../../../test/vectors/bip341.json' with { type: 'json' };
import mainnet from '../../../test/vectors/mainnet-blocks.json' with { type: 'json' };
import { addressFromScript, decodeSegwitAddress, encodeSegwitAddress, scriptFromAddress, type AddressPrefixes } from './address.ts';
import { bytesToHex, hexToBytes } from './bytes.ts';
import { InputError } from './errors.ts';
import { hash160 } from './hash.ts';
import { classifyScript } from './script.ts';

const SEED = 0xadd7;
const MAINNET: AddressPrefixes = { bech32Hrp: 'bc', pubKeyHashPrefix: 0x00, scriptHashPrefix: 0x05 };
const TESTNET: AddressPrefixes = { bech32Hrp: 'tb', pubKeyHashPrefix: 0x6f, scriptHashPrefix: 0xc4 };
const REGTEST: AddressPrefixes = { bech32Hrp: 'bcrt', pubKeyHashPrefix: 0x6f, scriptHashPrefix: 0xc4 };
const LITECOIN: AddressPrefixes = { bech32Hrp: 'ltc', pubKeyHashPrefix: 0x30, scriptHashPrefix: 0x32 };
const byHrp: Record<string, AddressPrefixes> = { bc: MAINNET, tb: TESTNET, bcrt: REGTEST };

function expectBadAddress(fn: () => unknown, label: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, label).toBeInstanceOf(InputError);
  expect((thrown as InputError).code, label).toBe('bad-address');
}

describe('BIP-350 / BIP-173 valid segwit addresses', () => {
  for (const v of bip350.valid) {
    it(`${v.from}: ${v.address}`, () => {
      const spk = hexToBytes(v.scriptPubKey);
      const { version, program } = decodeSegwitAddress(v.hrp, v.address);
      const info = classifyScript(spk);
      expect(version).toBe(info.witnessVersion);
      expect(bytesToHex(program)).toBe(bytesToHex(info.program!));
      expect(encodeSegwitAddress(v.hrp, version, program)).toBe(v.address.toLowerCase());
      const prefixes = byHrp[v.hrp]!;
      expect(bytesToHex(scriptFromAddress(v.address, prefixes))).toBe(v.scriptPubKey);
      expect(addressFromScript(spk, prefixes)).toBe(v.address.toLowerCase());
    });
  }
});

describe('BIP-350 / BIP-173 invalid segwit addresses', () => {
  for (const v of bip350.invalid) {
    it(`${v.from}: ${v.reason}: ${v.address}`, () => {
      for (const hrp of ['bc', 'tb']) {
        expectBadAddress(() => decodeSegwitAddress(hrp, v.address), `${hrp}: ${v.address}`);
        expectBadAddress(() => scriptFromAddress(v.address, byHrp[hrp]!), `${hrp}: ${v.address}`);
      }
    });
  }

  it('names the problem in the message', () => {
    const message = (hrp: string, address: string) => {
      try {
        decodeSegwitAddress(hrp, address);
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(message('bc', 'tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut')).toBe('expected HRP "bc", got "tc"');
    expect(message('bc', 'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd')).toBe('witness v1: expected a bech32m checksum, got bech32');
    expect(message('bc', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh')).toBe('witness v0: expected a bech32 checksum, got bech32m');
    expect(message('bc', 'BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P')).toBe('witness v0 program: expected 20 or 32 bytes, got 16');
    expect(message('bc', 'bc1pw5dgrnzv')).toBe('witness program: expected 2..40 bytes, got 1');
    expect(message('bc', 'bc1gmk9yu')).toBe('expected a witness version and program, got an empty data section');
    expect(message('tb', 'tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq')).toMatch(/mixed case/);
  });
});

describe('bech32 and bech32m string vectors are rejected as addresses', () => {
  // The valid strings are checksummed but carry no segwit address for "bc"; the invalid ones include
  // control and non-ASCII characters, overlong strings and missing separators: all must give InputError.
  const strings = [
    ...bip350.bech32m.valid,
    ...bip350.bech32.valid,
    ...bip350.bech32m.invalid.map((v) => v.string),
    ...bip350.bech32.invalid.map((v) => v.string),
  ];
  for (const s of strings) {
    it(JSON.stringify(s), () => {
      expectBadAddress(() => decodeSegwitAddress('bc', s), s);
      expectBadAddress(() => scriptFromAddress(s, MAINNET), s);
    });
  }
});

describe('encodeSegwitAddress', () => {
  it('refuses programs the BIPs do not allow', () => {
    expectBadAddress(() => encodeSegwitAddress('bc', 0, new Uint8Array(21)), 'v0 21 bytes');
    expectBadAddress(() => encodeSegwitAddress('bc', 1, new Uint8Array(1)), 'v1 1 byte');
    expectBadAddress(() => encodeSegwitAddress('bc', 1, new Uint8Array(41)), 'v1 41 bytes');
    expectBadAddress(() => encodeSegwitAddress('bc', 17, new Uint8Array(32)), 'v17');
    expectBadAddress(() => encodeSegwitAddress('bc', -1, new Uint8Array(32)), 'v-1');
    expectBadAddress(() => encodeSegwitAddress('x'.repeat(40), 16, new Uint8Array(40)), 'longer than 90 characters');
  });

  it('round-trips every version and program length (property)', () => {
    const program = fc.integer({ min: 0, max: 16 }).chain((version) =>
      fc.tuple(
        fc.constant(version),
        version === 0 ? fc.oneof(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.uint8Array({ minLength: 32, maxLength: 32 })) : fc.uint8Array({ minLength: 2, maxLength: 40 }),
      ),
    );
    fc.assert(
      fc.property(program, fc.constantFrom('bc', 'tb', 'bcrt'), ([version, bytes], hrp) => {
        const address = encodeSegwitAddress(hrp, version, bytes);
        const decoded = decodeSegwitAddress(hrp, address);
        expect(decoded.version).toBe(version);
        expect(bytesToHex(decoded.program)).toBe(bytesToHex(bytes));
        expect(decodeSegwitAddress(hrp, address.toUpperCase()).version).toBe(version);
        const script = scriptFromAddress(address, byHrp[hrp]!);
        expect(addressFromScript(script, byHrp[hrp]!)).toBe(address);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

// Base58Check vectors: bitcoinjs-lib test/fixtures/address.json ("standard", "invalid").
const base58Valid: { prefixes: AddressPrefixes; address: string; script: string }[] = [
  { prefixes: MAINNET, address: '1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH', script: '76a914751e76e8199196d454941c45d1b3a323f1433bd688ac' },
  { prefixes: MAINNET, address: '3LRW7jeCvQCRdPF8S3yUCfRAx4eqXFmdcr', script: 'a914cd7b44d0b03f2d026d1e586d7ae18903b0d385f687' },
  { prefixes: TESTNET, address: 'mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r', script: '76a914751e76e8199196d454941c45d1b3a323f1433bd688ac' },
  { prefixes: TESTNET, address: '2NByiBUaEXrhmqAsg7BbLpcQSAQs1EDwt5w', script: 'a914cd7b44d0b03f2d026d1e586d7ae18903b0d385f687' },
  { prefixes: LITECOIN, address: 'LUxXFcwXFPpRZdMv4aYu6bDwPdC2skQ5YW', script: '76a9146ac624143d19a3c91d2ac5605f0aebdfeac5b82688ac' },
  { prefixes: LITECOIN, address: 'MCZjFcwYJwwYqXAbd3bbnxaCVGs81cp43Z', script: 'a914332bdfb31f688c0be0137c7c038a6d0fea0de0b687' },
  { prefixes: REGTEST, address: 'bcrt1qjh3dnrafy8f2zszh5sdqn6c3ycfljh930yza9nt72v30dkw8mlvscn82zx', script: '002095e2d98fa921d2a14057a41a09eb112613f95cb17905d2cd7e5322f6d9c7dfd9' },
  { prefixes: REGTEST, address: 'bcrt1qqqqqqqqqqqqqqahrwf6d62emdxmpq8gu3xe9au9fjwc9sxxn4k2qujfh7u', script: '0020000000000000000076e37274dd2b3b69b6101d1c89b25ef0a993b05818d3ad94' },
];

describe('Base58Check and other networks', () => {
  for (const v of base58Valid) {
    it(`${v.address}`, () => {
      expect(bytesToHex(scriptFromAddress(v.address, v.prefixes))).toBe(v.script);
      expect(addressFromScript(hexToBytes(v.script), v.prefixes)).toBe(v.address);
    });
  }

  it('the genesis key hashes to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', () => {
    const key = classifyScript(hexToBytes(mainnet.blocks[0]!.outputs[0]!.scriptPubKey)).pubkeys![0]!;
    const p2pkh = hexToBytes(`76a914${bytesToHex(hash160(key))}88ac`);
    expect(addressFromScript(p2pkh, MAINNET)).toBe('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa');
  });

  it('rejects a wrong network prefix', () => {
    expectBadAddress(() => scriptFromAddress('mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r', MAINNET), 'testnet p2pkh on mainnet');
    expectBadAddress(() => scriptFromAddress('1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH', TESTNET), 'mainnet p2pkh on testnet');
    expectBadAddress(() => scriptFromAddress('3LRW7jeCvQCRdPF8S3yUCfRAx4eqXFmdcr', LITECOIN), 'bitcoin p2sh on litecoin');
    expectBadAddress(() => scriptFromAddress('tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', MAINNET), 'testnet segwit on mainnet');
    expectBadAddress(() => scriptFromAddress('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', REGTEST), 'mainnet segwit on regtest');
    expect(() => scriptFromAddress('mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r', MAINNET)).toThrow('Base58Check version: expected 0x00 or 0x05, got 0x6f');
    expect(() => scriptFromAddress('tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', MAINNET)).toThrow('expected HRP "bc", got "tb"');
  });

  it('rejects malformed Base58Check', () => {
    for (const address of [
      '7SeEnXWPaCCALbVrTnszCVGfRU8cGfx', // too short
      'j9ywUkWg2fTQrouxxh5rSZhRvrjMkEUfuiKe', // too long
      '24kPZCmVgzfkpGdXExy56234MRHrsqQxNWE', // unknown version byte
      '1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMJ', // checksum
      '1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAM0', // '0' is not Base58
      '',
      'hello world',
    ]) {
      expectBadAddress(() => scriptFromAddress(address, MAINNET), address);
    }
  });

  it('has no address for p2pk, bare multisig, OP_RETURN and nonstandard scripts', () => {
    const genesisOutput = hexToBytes(mainnet.blocks[0]!.outputs[0]!.scriptPubKey);
    expect(addressFromScript(genesisOutput, MAINNET)).toBeNull();
    expect(addressFromScript(hexToBytes('6a0401020304'), MAINNET)).toBeNull();
    expect(addressFromScript(hexToBytes('00'), MAINNET)).toBeNull();
    expect(addressFromScript(hexToBytes('0015751e76e8199196d454941c45d1b3a323f1433bd600'), MAINNET)).toBeNull();
    const multisig = hexToBytes('51210279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f8179851ae');
    expect(classifyScript(multisig).type).toBe('multisig');
    expect(addressFromScript(multisig, MAINNET)).toBeNull();
  });
});

describe('taproot addresses from other vectors', () => {
  it('BIP-341 scriptPubKey vectors give their bip350Address', () => {
    for (const v of bip341.scriptPubKey) {
      const spk = hexToBytes(v.expected.scriptPubKey);
      expect(addressFromScript(spk, MAINNET)).toBe(v.expected.bip350Address);
      expect(bytesToHex(scriptFromAddress(v.expected.bip350Address, MAINNET))).toBe(v.expected.scriptPubKey);
    }
  });

  it('BIP-86 addresses decode to their output keys', () => {
    for (const a of bip86.addresses) {
      const { version, program } = decodeSegwitAddress('bc', a.address);
      expect(version).toBe(1);
      expect(bytesToHex(program)).toBe(a.outputKey);
      expect(bytesToHex(scriptFromAddress(a.address, MAINNET))).toBe(a.scriptPubKey);
    }
  });
});

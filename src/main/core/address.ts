// Addresses: Base58Check (p2pkh, p2sh) and BIP-173/350 segwit (bech32 for v0, bech32m for v1+), to and from output scripts.

import { bech32, bech32m, createBase58check } from '@scure/base';
import { abytes, concatBytes } from './bytes.ts';
import { InputError } from './errors.ts';
import { sha256 } from './hash.ts';
import { OP, classifyScript } from './script.ts';

/** What tells one network's addresses from another's. */
export interface AddressPrefixes {
  /** Human-readable part of segwit addresses ("bc", "tb", "bcrt"). */
  bech32Hrp: string;
  /** Base58Check version byte of p2pkh addresses (0x00 on mainnet). */
  pubKeyHashPrefix: number;
  /** Base58Check version byte of p2sh addresses (0x05 on mainnet). */
  scriptHashPrefix: number;
}

const base58check = createBase58check(sha256);

/** BIP-173: a segwit address is at most 90 characters. */
const MAX_ADDRESS_LENGTH = 90;
const BECH32_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

function badAddress(message: string): InputError {
  return new InputError('bad-address', message);
}

/** Throws unless `program` is a valid witness program for `version` (BIP-141 lengths). */
function checkWitnessProgram(version: number, length: number): void {
  if (!Number.isInteger(version) || version < 0 || version > 16) {
    throw badAddress(`witness version: expected 0..16, got ${version}`);
  }
  if (length < 2 || length > 40) throw badAddress(`witness program: expected 2..40 bytes, got ${length}`);
  if (version === 0 && length !== 20 && length !== 32) {
    throw badAddress(`witness v0 program: expected 20 or 32 bytes, got ${length}`);
  }
}

/** Encodes a segwit address: bech32 for witness v0, bech32m for v1..v16 (BIP-350). Output is lowercase. */
export function encodeSegwitAddress(hrp: string, version: number, program: Uint8Array): string {
  abytes(program, undefined, 'witness program');
  checkWitnessProgram(version, program.length);
  const coder = version === 0 ? bech32 : bech32m;
  const words = [version, ...coder.toWords(program)];
  try {
    return coder.encode(hrp, words, MAX_ADDRESS_LENGTH);
  } catch (e) {
    throw badAddress(`segwit address for HRP ${JSON.stringify(hrp)}: ${(e as Error).message}`);
  }
}

/**
 * Decodes a segwit address for the network whose HRP is `hrp`. Follows BIP-173 and BIP-350: one case
 * throughout, at most 90 characters, the expected HRP, a valid checksum of the kind the witness version
 * requires, zero padding of at most 4 bits, and BIP-141 program lengths. Throws InputError('bad-address').
 */
export function decodeSegwitAddress(hrp: string, address: string): { version: number; program: Uint8Array } {
  if (typeof address !== 'string') throw badAddress(`expected an address string, got ${typeof address}`);
  if (address.length > MAX_ADDRESS_LENGTH) {
    throw badAddress(`expected at most ${MAX_ADDRESS_LENGTH} characters, got ${address.length}`);
  }
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c < 33 || c > 126) throw badAddress(`expected printable ASCII, got character code ${c} at position ${i}`);
  }
  const lower = address.toLowerCase();
  if (address !== lower && address !== address.toUpperCase()) throw badAddress(`expected one case, got mixed case in ${address}`);
  const sep = lower.lastIndexOf('1');
  if (sep < 1) throw badAddress(`expected "<hrp>1<data>", got ${sep === 0 ? 'an empty HRP' : 'no separator'} in ${address}`);
  const prefix = lower.slice(0, sep);
  if (prefix !== hrp.toLowerCase()) throw badAddress(`expected HRP ${JSON.stringify(hrp)}, got ${JSON.stringify(prefix)}`);
  const data = lower.slice(sep + 1);
  for (const ch of data) {
    if (!BECH32_CHARSET.includes(ch)) throw badAddress(`expected bech32 characters, got ${JSON.stringify(ch)} in ${address}`);
  }
  if (data.length < 6) throw badAddress(`expected a 6-character checksum, got ${data.length} data characters`);
  if (data.length === 6) throw badAddress(`expected a witness version and program, got an empty data section`);
  const asBech32 = bech32.decodeUnsafe(lower, MAX_ADDRESS_LENGTH);
  const asBech32m = asBech32 ? undefined : bech32m.decodeUnsafe(lower, MAX_ADDRESS_LENGTH);
  const decoded = asBech32 ?? asBech32m;
  if (!decoded) throw badAddress(`expected a valid bech32 or bech32m checksum, got ${address}`);
  const [version, ...programWords] = decoded.words;
  if (version === undefined || version > 16) throw badAddress(`witness version: expected 0..16, got ${version}`);
  if (version === 0 && !asBech32) throw badAddress('witness v0: expected a bech32 checksum, got bech32m');
  if (version !== 0 && !asBech32m) throw badAddress(`witness v${version}: expected a bech32m checksum, got bech32`);
  const program = bech32.fromWordsUnsafe(programWords);
  if (!program) throw badAddress(`witness program: expected zero padding of at most 4 bits, got other padding in ${address}`);
  checkWitnessProgram(version, program.length);
  return { version, program };
}

function checkPrefixByte(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 255) throw new InputError('bad-network', `${name}: expected a byte, got ${value}`);
  return value;
}

/** The address an output script pays to, or null for scripts without one (p2pk, bare multisig, OP_RETURN, nonstandard). */
export function addressFromScript(script: Uint8Array, prefixes: AddressPrefixes): string | null {
  const info = classifyScript(script);
  switch (info.type) {
    case 'p2pkh':
      return base58check.encode(concatBytes(Uint8Array.of(checkPrefixByte('pubKeyHashPrefix', prefixes.pubKeyHashPrefix)), info.program!));
    case 'p2sh':
      return base58check.encode(concatBytes(Uint8Array.of(checkPrefixByte('scriptHashPrefix', prefixes.scriptHashPrefix)), info.program!));
    case 'p2wpkh':
    case 'p2wsh':
    case 'p2tr':
    case 'witness_unknown':
      return encodeSegwitAddress(prefixes.bech32Hrp, info.witnessVersion!, info.program!);
    default:
      return null;
  }
}

/** The output script for an address of the network `prefixes` describes; throws InputError('bad-address') otherwise. */
export function scriptFromAddress(address: string, prefixes: AddressPrefixes): Uint8Array {
  if (typeof address !== 'string') throw badAddress(`expected an address string, got ${typeof address}`);
  const hrp = prefixes.bech32Hrp.toLowerCase();
  if (address.toLowerCase().startsWith(hrp + '1')) {
    const { version, program } = decodeSegwitAddress(hrp, address);
    return concatBytes(Uint8Array.of(version === 0 ? OP.OP_0 : OP.OP_1 + version - 1, program.length), program);
  }
  const other = address.length <= MAX_ADDRESS_LENGTH ? (bech32.decodeUnsafe(address.toLowerCase()) ?? bech32m.decodeUnsafe(address.toLowerCase())) : undefined;
  if (other) throw badAddress(`expected HRP ${JSON.stringify(hrp)}, got ${JSON.stringify(other.prefix)}`);
  let payload: Uint8Array;
  try {
    payload = base58check.decode(address);
  } catch (e) {
    throw badAddress(`expected a Base58Check or ${hrp}1... address, got ${JSON.stringify(address)} (${(e as Error).message})`);
  }
  if (payload.length !== 21) throw badAddress(`Base58Check payload: expected 21 bytes, got ${payload.length}`);
  const version = payload[0]!;
  const hash = payload.subarray(1);
  if (version === checkPrefixByte('pubKeyHashPrefix', prefixes.pubKeyHashPrefix)) {
    return concatBytes(Uint8Array.of(OP.OP_DUP, OP.OP_HASH160, 20), hash, Uint8Array.of(OP.OP_EQUALVERIFY, OP.OP_CHECKSIG));
  }
  if (version === checkPrefixByte('scriptHashPrefix', prefixes.scriptHashPrefix)) {
    return concatBytes(Uint8Array.of(OP.OP_HASH160, 20), hash, Uint8Array.of(OP.OP_EQUAL));
  }
  const hex = (n: number) => '0x' + n.toString(16).padStart(2, '0');
  throw badAddress(`Base58Check version: expected ${hex(prefixes.pubKeyHashPrefix)} or ${hex(prefixes.scriptHashPrefix)}, got ${hex(version)}`);
}

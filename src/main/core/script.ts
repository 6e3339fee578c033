// Output scripts: opcodes, parsing, recognition of the standard templates, builders, ASM and CScriptNum.

import { abytes, bytesToHex, concatBytes, equalBytes, type Bytes } from './bytes.ts';
import { ParseError } from './errors.ts';

/** Opcodes by name (Bitcoin Core's `opcodetype`). Only the ones the core refers to by name. */
export const OP = Object.freeze({
  OP_0: 0x00,
  OP_PUSHDATA1: 0x4c,
  OP_PUSHDATA2: 0x4d,
  OP_PUSHDATA4: 0x4e,
  OP_1NEGATE: 0x4f,
  OP_RESERVED: 0x50,
  OP_1: 0x51,
  OP_16: 0x60,
  OP_NOP: 0x61,
  OP_IF: 0x63,
  OP_NOTIF: 0x64,
  OP_ELSE: 0x67,
  OP_ENDIF: 0x68,
  OP_VERIFY: 0x69,
  OP_RETURN: 0x6a,
  OP_DROP: 0x75,
  OP_DUP: 0x76,
  OP_EQUAL: 0x87,
  OP_EQUALVERIFY: 0x88,
  OP_HASH160: 0xa9,
  OP_HASH256: 0xaa,
  OP_CODESEPARATOR: 0xab,
  OP_CHECKSIG: 0xac,
  OP_CHECKSIGVERIFY: 0xad,
  OP_CHECKMULTISIG: 0xae,
  OP_CHECKMULTISIGVERIFY: 0xaf,
  OP_CHECKLOCKTIMEVERIFY: 0xb1,
  OP_CHECKSEQUENCEVERIFY: 0xb2,
  OP_CHECKSIGADD: 0xba,
  OP_INVALIDOPCODE: 0xff,
});

/** Largest script the interpreter accepts (MAX_SCRIPT_SIZE); longer outputs are provably unspendable. */
export const MAX_SCRIPT_SIZE = 10_000;
/** Bare multisig allows up to 20 keys (MAX_PUBKEYS_PER_MULTISIG). */
export const MAX_PUBKEYS_PER_MULTISIG = 20;

// Names as Bitcoin Core's GetOpName prints them; small integers print as numbers.
const OPCODE_NAMES: readonly string[] = (() => {
  const names: string[] = new Array<string>(256).fill('OP_UNKNOWN');
  const list: [number, string][] = [
    [0x00, '0'], [0x4c, 'OP_PUSHDATA1'], [0x4d, 'OP_PUSHDATA2'], [0x4e, 'OP_PUSHDATA4'], [0x4f, '-1'],
    [0x50, 'OP_RESERVED'], [0x61, 'OP_NOP'], [0x62, 'OP_VER'], [0x63, 'OP_IF'], [0x64, 'OP_NOTIF'],
    [0x65, 'OP_VERIF'], [0x66, 'OP_VERNOTIF'], [0x67, 'OP_ELSE'], [0x68, 'OP_ENDIF'], [0x69, 'OP_VERIFY'],
    [0x6a, 'OP_RETURN'], [0x6b, 'OP_TOALTSTACK'], [0x6c, 'OP_FROMALTSTACK'], [0x6d, 'OP_2DROP'],
    [0x6e, 'OP_2DUP'], [0x6f, 'OP_3DUP'], [0x70, 'OP_2OVER'], [0x71, 'OP_2ROT'], [0x72, 'OP_2SWAP'],
    [0x73, 'OP_IFDUP'], [0x74, 'OP_DEPTH'], [0x75, 'OP_DROP'], [0x76, 'OP_DUP'], [0x77, 'OP_NIP'],
    [0x78, 'OP_OVER'], [0x79, 'OP_PICK'], [0x7a, 'OP_ROLL'], [0x7b, 'OP_ROT'], [0x7c, 'OP_SWAP'],
    [0x7d, 'OP_TUCK'], [0x7e, 'OP_CAT'], [0x7f, 'OP_SUBSTR'], [0x80, 'OP_LEFT'], [0x81, 'OP_RIGHT'],
    [0x82, 'OP_SIZE'], [0x83, 'OP_INVERT'], [0x84, 'OP_AND'], [0x85, 'OP_OR'], [0x86, 'OP_XOR'],
    [0x87, 'OP_EQUAL'], [0x88, 'OP_EQUALVERIFY'], [0x89, 'OP_RESERVED1'], [0x8a, 'OP_RESERVED2'],
    [0x8b, 'OP_1ADD'], [0x8c, 'OP_1SUB'], [0x8d, 'OP_2MUL'], [0x8e, 'OP_2DIV'], [0x8f, 'OP_NEGATE'],
    [0x90, 'OP_ABS'], [0x91, 'OP_NOT'], [0x92, 'OP_0NOTEQUAL'], [0x93, 'OP_ADD'], [0x94, 'OP_SUB'],
    [0x95, 'OP_MUL'], [0x96, 'OP_DIV'], [0x97, 'OP_MOD'], [0x98, 'OP_LSHIFT'], [0x99, 'OP_RSHIFT'],
    [0x9a, 'OP_BOOLAND'], [0x9b, 'OP_BOOLOR'], [0x9c, 'OP_NUMEQUAL'], [0x9d, 'OP_NUMEQUALVERIFY'],
    [0x9e, 'OP_NUMNOTEQUAL'], [0x9f, 'OP_LESSTHAN'], [0xa0, 'OP_GREATERTHAN'], [0xa1, 'OP_LESSTHANOREQUAL'],
    [0xa2, 'OP_GREATERTHANOREQUAL'], [0xa3, 'OP_MIN'], [0xa4, 'OP_MAX'], [0xa5, 'OP_WITHIN'],
    [0xa6, 'OP_RIPEMD160'], [0xa7, 'OP_SHA1'], [0xa8, 'OP_SHA256'], [0xa9, 'OP_HASH160'], [0xaa, 'OP_HASH256'],
    [0xab, 'OP_CODESEPARATOR'], [0xac, 'OP_CHECKSIG'], [0xad, 'OP_CHECKSIGVERIFY'], [0xae, 'OP_CHECKMULTISIG'],
    [0xaf, 'OP_CHECKMULTISIGVERIFY'], [0xb0, 'OP_NOP1'], [0xb1, 'OP_CHECKLOCKTIMEVERIFY'],
    [0xb2, 'OP_CHECKSEQUENCEVERIFY'], [0xb3, 'OP_NOP4'], [0xb4, 'OP_NOP5'], [0xb5, 'OP_NOP6'], [0xb6, 'OP_NOP7'],
    [0xb7, 'OP_NOP8'], [0xb8, 'OP_NOP9'], [0xb9, 'OP_NOP10'], [0xba, 'OP_CHECKSIGADD'], [0xff, 'OP_INVALIDOPCODE'],
  ];
  for (const [code, name] of list) names[code] = name;
  for (let n = 1; n <= 16; n++) names[OP.OP_1 + n - 1] = String(n);
  return names;
})();

/** Bitcoin Core's name for an opcode ("OP_DUP"; "0", "-1" and "1".."16" for the small-integer opcodes). */
export function opcodeName(opcode: number): string {
  return OPCODE_NAMES[opcode & 0xff] ?? 'OP_UNKNOWN';
}

/** One parsed script element: the opcode, and for push opcodes (0x00..0x4e) the pushed bytes. */
export interface ScriptOp {
  opcode: number;
  data?: Uint8Array;
  /** Offset of the opcode byte in the script. */
  offset: number;
  /** Offset just past the element. */
  end: number;
}

/**
 * Reads the element at `offset` (Bitcoin Core's GetOp). Returns null when a push runs past the end
 * of the script or its length prefix is cut short.
 */
function readOp(script: Bytes, offset: number): ScriptOp | null {
  const opcode = script[offset];
  if (opcode === undefined) return null;
  let pos = offset + 1;
  if (opcode > OP.OP_PUSHDATA4) return { opcode, offset, end: pos };
  let size: number;
  if (opcode < OP.OP_PUSHDATA1) {
    size = opcode;
  } else {
    const width = opcode === OP.OP_PUSHDATA1 ? 1 : opcode === OP.OP_PUSHDATA2 ? 2 : 4;
    if (pos + width > script.length) return null;
    size = 0;
    for (let i = width - 1; i >= 0; i--) size = size * 256 + script[pos + i]!;
    pos += width;
  }
  if (pos + size > script.length) return null;
  return { opcode, data: script.subarray(pos, pos + size), offset, end: pos + size };
}

/** Splits a script into its elements; throws ParseError on a truncated push. */
export function parseScript(script: Uint8Array): ScriptOp[] {
  abytes(script, undefined, 'script');
  const ops: ScriptOp[] = [];
  for (let offset = 0; offset < script.length; ) {
    const op = readOp(script, offset);
    if (!op) throw new ParseError('bad-script', `script: expected a complete push at offset ${offset}, got ${script.length - offset} bytes left`);
    ops.push(op);
    offset = op.end;
  }
  return ops;
}

/** The number an opcode stands for when it is OP_1NEGATE or OP_1..OP_16; null otherwise (OP_0 included). */
function smallIntOf(opcode: number): number | null {
  if (opcode === OP.OP_1NEGATE) return -1;
  if (opcode >= OP.OP_1 && opcode <= OP.OP_16) return opcode - OP.OP_1 + 1;
  return null;
}

/**
 * The stack values of a push-only script (every opcode <= OP_16, as in Core's IsPushOnly), or null when
 * the script has another opcode or a truncated push. OP_1NEGATE and OP_1..OP_16 stand for their number's
 * CScriptNum encoding; OP_RESERVED, which Core also lets through, contributes no value.
 */
export function readPushes(script: Uint8Array): Uint8Array[] | null {
  const out: Uint8Array[] = [];
  for (let offset = 0; offset < script.length; ) {
    const op = readOp(script, offset);
    if (!op || op.opcode > OP.OP_16) return null;
    if (op.data) out.push(op.data);
    else {
      const n = smallIntOf(op.opcode);
      if (n !== null) out.push(encodeScriptNum(n));
    }
    offset = op.end;
  }
  return out;
}

/** The shortest push of `data` (Core's CheckMinimalPush): OP_0, OP_1NEGATE, OP_1..OP_16, a direct push, PUSHDATA1/2/4. */
export function pushData(data: Uint8Array): Uint8Array {
  abytes(data, undefined, 'push data');
  const n = data.length;
  if (n === 0) return Uint8Array.of(OP.OP_0);
  if (n === 1) {
    const b = data[0]!;
    if (b >= 1 && b <= 16) return Uint8Array.of(OP.OP_1 + b - 1);
    if (b === 0x81) return Uint8Array.of(OP.OP_1NEGATE);
  }
  let prefix: Uint8Array;
  if (n < OP.OP_PUSHDATA1) prefix = Uint8Array.of(n);
  else if (n <= 0xff) prefix = Uint8Array.of(OP.OP_PUSHDATA1, n);
  else if (n <= 0xffff) prefix = Uint8Array.of(OP.OP_PUSHDATA2, n & 0xff, n >>> 8);
  else prefix = Uint8Array.of(OP.OP_PUSHDATA4, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
  return concatBytes(prefix, data);
}

/** CScriptNum serialization: minimal little-endian sign-magnitude (0 is the empty string). */
export function encodeScriptNum(n: number): Uint8Array {
  if (!Number.isSafeInteger(n)) throw new RangeError(`script number: expected a safe integer, got ${n}`);
  if (n === 0) return new Uint8Array(0);
  const negative = n < 0;
  let abs = Math.abs(n);
  const out: number[] = [];
  while (abs > 0) {
    out.push(abs % 256);
    abs = Math.floor(abs / 256);
  }
  // The top bit of the last byte is the sign; add a byte when the magnitude already uses it.
  if (out[out.length - 1]! & 0x80) out.push(negative ? 0x80 : 0x00);
  else if (negative) out[out.length - 1]! |= 0x80;
  return Uint8Array.from(out);
}

/**
 * CScriptNum deserialization. Throws ParseError when `b` is longer than `maxLen` bytes (4 for arithmetic,
 * 5 for the lock-time opcodes) or, with `requireMinimal`, when the encoding is not the shortest one.
 */
export function decodeScriptNum(b: Uint8Array, maxLen = 4, requireMinimal = false): number {
  abytes(b, undefined, 'script number');
  if (!Number.isInteger(maxLen) || maxLen < 0 || maxLen > 6) {
    throw new RangeError(`script number: expected maxLen between 0 and 6, got ${maxLen}`);
  }
  if (b.length > maxLen) throw new ParseError('bad-script-num', `script number: expected at most ${maxLen} bytes, got ${b.length}`);
  if (b.length === 0) return 0;
  const last = b[b.length - 1]!;
  if (requireMinimal && (last & 0x7f) === 0 && (b.length === 1 || (b[b.length - 2]! & 0x80) === 0)) {
    throw new ParseError('bad-script-num', `script number: expected a minimal encoding, got ${bytesToHex(b)}`);
  }
  let abs = 0;
  for (let i = b.length - 1; i >= 0; i--) abs = abs * 256 + (i === b.length - 1 ? last & 0x7f : b[i]!);
  return last & 0x80 && abs !== 0 ? -abs : abs; // "negative zero" (0x80) decodes to 0
}

/**
 * Reads the block height a coinbase scriptSig starts with (BIP-34): the first element must be exactly
 * what Core's `CScript() << height` writes (OP_0, OP_1..OP_16, or a minimal direct push of the
 * CScriptNum). Returns null when it is not, e.g. for the pre-BIP-34 coinbases that start with other data.
 */
export function readCoinbaseHeight(scriptSig: Uint8Array): number | null {
  const op = readOp(scriptSig, 0);
  if (!op) return null;
  let height: number;
  if (op.opcode === OP.OP_0) height = 0;
  else if (op.opcode >= OP.OP_1 && op.opcode <= OP.OP_16) height = op.opcode - OP.OP_1 + 1;
  else if (op.data && op.data.length <= 5) height = decodeScriptNum(op.data, 5);
  else return null;
  if (height < 0) return null;
  const canonical = pushData(encodeScriptNum(height));
  return equalBytes(canonical, scriptSig.subarray(0, op.end)) ? height : null;
}

export type ScriptType =
  | 'p2pk'
  | 'p2pkh'
  | 'p2sh'
  | 'p2wpkh'
  | 'p2wsh'
  | 'p2tr'
  | 'witness_unknown'
  | 'multisig'
  | 'nulldata'
  | 'nonstandard';

export interface ScriptInfo {
  type: ScriptType;
  /** Witness version 0..16, for the witness program types. */
  witnessVersion?: number;
  /** The witness program, or the 20-byte hash of p2pkh/p2sh. */
  program?: Uint8Array;
  /** The public key of p2pk, the keys of bare multisig. */
  pubkeys?: Uint8Array[];
  /** Signatures bare multisig requires. */
  required?: number;
  /** The values an OP_RETURN output pushes (see readPushes). */
  data?: Uint8Array[];
}

/** Core's CPubKey::ValidSize: 33 bytes for prefix 02/03, 65 bytes for 04/06/07. */
function isPubkeySized(b: Uint8Array): boolean {
  const p = b[0];
  if (p === 0x02 || p === 0x03) return b.length === 33;
  if (p === 0x04 || p === 0x06 || p === 0x07) return b.length === 65;
  return false;
}

/** Whether a push element uses the shortest form for its data (Core's CheckMinimalPush). */
function isMinimalPush(script: Bytes, op: ScriptOp): boolean {
  return op.data !== undefined && equalBytes(pushData(op.data), script.subarray(op.offset, op.end));
}

/** A multisig count (Core's GetScriptNumber): OP_1..OP_16 or a minimal push of a minimal number, in [min, 20]. */
function multisigCount(script: Bytes, op: ScriptOp, min: number): number | null {
  let n: number | null = null;
  if (op.opcode >= OP.OP_1 && op.opcode <= OP.OP_16) n = op.opcode - OP.OP_1 + 1;
  else if (op.opcode > OP.OP_0 && op.data && isMinimalPush(script, op)) {
    try {
      n = decodeScriptNum(op.data, 4, true);
    } catch {
      return null;
    }
  }
  if (n === null || n < min || n > MAX_PUBKEYS_PER_MULTISIG) return null;
  return n;
}

/** Bare multisig: <m> <pubkey>... <n> OP_CHECKMULTISIG (Core's MatchMultisig). */
function matchMultisig(script: Bytes): ScriptInfo | null {
  if (script[script.length - 1] !== OP.OP_CHECKMULTISIG) return null;
  let ops: ScriptOp[];
  try {
    ops = parseScript(script);
  } catch {
    return null;
  }
  if (ops.length < 4 || ops[ops.length - 1]!.opcode !== OP.OP_CHECKMULTISIG) return null;
  const required = multisigCount(script, ops[0]!, 1);
  if (required === null) return null;
  const keys = ops.slice(1, -2);
  if (!keys.every((op) => op.data !== undefined && isPubkeySized(op.data))) return null;
  const total = multisigCount(script, ops[ops.length - 2]!, required);
  if (total === null || total !== keys.length) return null;
  return { type: 'multisig', required, pubkeys: keys.map((op) => op.data!.slice()) };
}

/** Recognises the standard output templates the way Bitcoin Core's Solver does. */
export function classifyScript(script: Uint8Array): ScriptInfo {
  abytes(script, undefined, 'script');
  const n = script.length;
  // p2sh: OP_HASH160 <20> OP_EQUAL
  if (n === 23 && script[0] === OP.OP_HASH160 && script[1] === 20 && script[22] === OP.OP_EQUAL) {
    return { type: 'p2sh', program: script.slice(2, 22) };
  }
  // Witness program (BIP-141): a version opcode, then one direct push of 2..40 bytes, nothing else.
  const v = script[0];
  if (n >= 4 && n <= 42 && v !== undefined && (v === OP.OP_0 || (v >= OP.OP_1 && v <= OP.OP_16)) && script[1] === n - 2) {
    const witnessVersion = v === OP.OP_0 ? 0 : v - OP.OP_1 + 1;
    const program = script.slice(2);
    if (witnessVersion === 0) {
      if (program.length === 20) return { type: 'p2wpkh', witnessVersion, program };
      if (program.length === 32) return { type: 'p2wsh', witnessVersion, program };
      return { type: 'nonstandard' };
    }
    if (witnessVersion === 1 && program.length === 32) return { type: 'p2tr', witnessVersion, program };
    return { type: 'witness_unknown', witnessVersion, program };
  }
  // nulldata: OP_RETURN followed only by pushes
  if (n >= 1 && script[0] === OP.OP_RETURN) {
    const data = readPushes(script.subarray(1));
    if (data) return { type: 'nulldata', data: data.map((d) => d.slice()) };
  }
  // p2pk: <33 or 65-byte key> OP_CHECKSIG
  if ((n === 35 || n === 67) && script[0] === n - 2 && script[n - 1] === OP.OP_CHECKSIG) {
    const key = script.slice(1, n - 1);
    if (isPubkeySized(key)) return { type: 'p2pk', pubkeys: [key] };
  }
  // p2pkh: OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG
  if (
    n === 25 && script[0] === OP.OP_DUP && script[1] === OP.OP_HASH160 && script[2] === 20 &&
    script[23] === OP.OP_EQUALVERIFY && script[24] === OP.OP_CHECKSIG
  ) {
    return { type: 'p2pkh', program: script.slice(3, 23) };
  }
  return matchMultisig(script) ?? { type: 'nonstandard' };
}

/** BIP-341 output: OP_1 <32-byte output key>. */
export function p2trScript(outputKey: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(OP.OP_1, 32), abytes(outputKey, 32, 'output key'));
}

/** OP_RETURN followed by a minimal push of each item. */
export function nullDataScript(...data: Uint8Array[]): Uint8Array {
  return concatBytes(Uint8Array.of(OP.OP_RETURN), ...data.map(pushData));
}

/** Core's CScript::IsUnspendable: starts with OP_RETURN, or is longer than MAX_SCRIPT_SIZE. */
export function isUnspendable(script: Uint8Array): boolean {
  return (script.length > 0 && script[0] === OP.OP_RETURN) || script.length > MAX_SCRIPT_SIZE;
}

/**
 * Bitcoin Core's ScriptToAsmStr without signature-hash decoding: opcodes by name, pushes of up to
 * 4 bytes as decimal numbers, longer pushes as hex. A truncated push ends the text with "[error]".
 */
export function scriptToAsm(script: Uint8Array): string {
  const parts: string[] = [];
  for (let offset = 0; offset < script.length; ) {
    const op = readOp(script, offset);
    if (!op) {
      parts.push('[error]');
      break;
    }
    if (op.data) parts.push(op.data.length <= 4 ? String(decodeScriptNum(op.data, 4)) : bytesToHex(op.data));
    else parts.push(opcodeName(op.opcode));
    offset = op.end;
  }
  return parts.join(' ');
}

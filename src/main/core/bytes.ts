// Byte helpers: hex, concatenation, guards, and the little-endian reader/writer of Bitcoin's wire format.

import { ParseError } from './errors.ts';

export type Bytes = Uint8Array;

/** Returns `b` when it is a Uint8Array of `length` (any length when omitted); throws otherwise. */
export function abytes(b: unknown, length?: number, what = 'bytes'): Bytes {
  if (!(b instanceof Uint8Array)) throw new TypeError(`${what}: expected Uint8Array, got ${typeof b}`);
  if (length !== undefined && b.length !== length) {
    throw new ParseError('bad-length', `${what}: expected ${length} bytes, got ${b.length}`);
  }
  return b;
}

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

export function hexToBytes(hex: string, what = 'hex'): Bytes {
  if (typeof hex !== 'string') throw new ParseError('bad-hex', `${what}: expected a hex string, got ${typeof hex}`);
  if (!HEX_RE.test(hex)) {
    throw new ParseError('bad-hex', `${what}: expected an even number of hex digits, got ${hex.length > 16 ? hex.slice(0, 16) + '…' : JSON.stringify(hex)}`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const HEX_TABLE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function bytesToHex(b: Bytes): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX_TABLE[b[i]!];
  return s;
}

/** Hex in reversed byte order: how Bitcoin displays hashes (txid, block hash). */
export function bytesToHexReversed(b: Bytes): string {
  let s = '';
  for (let i = b.length - 1; i >= 0; i--) s += HEX_TABLE[b[i]!];
  return s;
}

export function hexReversedToBytes(hex: string, what = 'hash'): Bytes {
  return hexToBytes(hex, what).reverse();
}

export function concatBytes(...parts: Bytes[]): Bytes {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equalBytes(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Compares two byte strings lexicographically: negative, zero or positive. */
export function compareBytes(a: Bytes, b: Bytes): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export function utf8ToBytes(s: string): Bytes {
  return new TextEncoder().encode(s);
}

/** Appends little-endian integers, CompactSize varints and raw bytes into a growing buffer. */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.reserve(1);
    this.buf[this.length++] = v;
    return this;
  }

  u32(v: number): this {
    this.reserve(4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
    return this;
  }

  i32(v: number): this {
    this.reserve(4);
    this.view.setInt32(this.length, v | 0, true);
    this.length += 4;
    return this;
  }

  u64(v: bigint): this {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt.asUintN(64, v), true);
    this.length += 8;
    return this;
  }

  i64(v: bigint): this {
    this.reserve(8);
    this.view.setBigInt64(this.length, BigInt.asIntN(64, v), true);
    this.length += 8;
    return this;
  }

  /** CompactSize unsigned integer. */
  varint(n: number): this {
    if (n < 0xfd) return this.u8(n);
    if (n <= 0xffff) {
      this.u8(0xfd).reserve(2);
      this.view.setUint16(this.length, n, true);
      this.length += 2;
      return this;
    }
    if (n <= 0xffffffff) return this.u8(0xfe).u32(n);
    return this.u8(0xff).u64(BigInt(n));
  }

  bytes(b: Bytes): this {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  /** Length-prefixed bytes. */
  varbytes(b: Bytes): this {
    return this.varint(b.length).bytes(b);
  }

  finish(): Bytes {
    return this.buf.slice(0, this.length);
  }
}

/** Reads Bitcoin's wire format; every overrun is a ParseError naming what was being read. */
export class ByteReader {
  readonly data: Bytes;
  private readonly view: DataView;
  offset = 0;

  constructor(data: Bytes) {
    this.data = data;
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get remaining(): number {
    return this.data.length - this.offset;
  }

  private need(n: number, what: string): void {
    if (this.offset + n > this.data.length) {
      throw new ParseError('truncated', `${what}: expected ${n} more bytes at offset ${this.offset}, got ${this.remaining}`);
    }
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.data[this.offset++]!;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  i32(what = 'i32'): number {
    this.need(4, what);
    const v = this.view.getInt32(this.offset, true);
    this.offset += 4;
    return v;
  }

  i64(what = 'i64'): bigint {
    this.need(8, what);
    const v = this.view.getBigInt64(this.offset, true);
    this.offset += 8;
    return v;
  }

  /** CompactSize; rejects non-canonical encodings and sizes above `max`. */
  varint(what = 'varint', max = 0x02000000): number {
    const first = this.u8(what);
    let n: number;
    if (first < 0xfd) return first;
    if (first === 0xfd) {
      this.need(2, what);
      n = this.view.getUint16(this.offset, true);
      this.offset += 2;
      if (n < 0xfd) throw new ParseError('non-canonical-varint', `${what}: non-canonical CompactSize ${n}`);
    } else if (first === 0xfe) {
      n = this.u32(what);
      if (n <= 0xffff) throw new ParseError('non-canonical-varint', `${what}: non-canonical CompactSize ${n}`);
    } else {
      const big = this.i64(what);
      if (big <= 0xffffffffn) throw new ParseError('non-canonical-varint', `${what}: non-canonical CompactSize ${big}`);
      n = Number.MAX_SAFE_INTEGER;
    }
    if (n > max) throw new ParseError('oversized', `${what}: size ${n} exceeds ${max}`);
    return n;
  }

  bytes(n: number, what = 'bytes'): Bytes {
    this.need(n, what);
    const out = this.data.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  varbytes(what = 'varbytes'): Bytes {
    return this.bytes(this.varint(what), what);
  }

  /** Throws unless every byte was consumed. */
  end(what: string): void {
    if (this.remaining !== 0) throw new ParseError('trailing-bytes', `${what}: ${this.remaining} unexpected bytes after the end`);
  }
}

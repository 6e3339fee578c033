// The 80-byte block header: fields, serialization, and its hash (double SHA-256, shown byte-reversed).

import { ByteReader, ByteWriter, abytes, bytesToHexReversed, type Bytes } from './bytes.ts';
import { sha256d } from './hash.ts';

export const HEADER_SIZE = 80;

export interface HeaderData {
  readonly version: number;
  /** Previous block hash, internal byte order. */
  readonly prevHash: Bytes;
  /** Merkle root, internal byte order. */
  readonly merkleRoot: Bytes;
  /** Seconds since the Unix epoch (uint32). */
  readonly time: number;
  /** Compact target. */
  readonly bits: number;
  readonly nonce: number;
}

export class BlockHeader implements HeaderData {
  readonly version: number;
  readonly prevHash: Bytes;
  readonly merkleRoot: Bytes;
  readonly time: number;
  readonly bits: number;
  readonly nonce: number;
  private cachedHash: Bytes | undefined;
  private cachedId: string | undefined;

  constructor(d: HeaderData) {
    this.version = d.version;
    this.prevHash = abytes(d.prevHash, 32, 'prevHash');
    this.merkleRoot = abytes(d.merkleRoot, 32, 'merkleRoot');
    this.time = d.time >>> 0;
    this.bits = d.bits >>> 0;
    this.nonce = d.nonce >>> 0;
  }

  static fromBytes(bytes: Bytes): BlockHeader {
    const r = new ByteReader(abytes(bytes, HEADER_SIZE, 'header'));
    const h = BlockHeader.read(r);
    return h;
  }

  static read(r: ByteReader): BlockHeader {
    return new BlockHeader({
      version: r.i32('header version'),
      prevHash: r.bytes(32, 'header prevHash'),
      merkleRoot: r.bytes(32, 'header merkleRoot'),
      time: r.u32('header time'),
      bits: r.u32('header bits'),
      nonce: r.u32('header nonce'),
    });
  }

  toBytes(): Bytes {
    return new ByteWriter(HEADER_SIZE)
      .i32(this.version)
      .bytes(this.prevHash)
      .bytes(this.merkleRoot)
      .u32(this.time)
      .u32(this.bits)
      .u32(this.nonce)
      .finish();
  }

  /** Block hash in internal byte order. */
  get hash(): Bytes {
    return (this.cachedHash ??= sha256d(this.toBytes()));
  }

  /** Block hash as Bitcoin displays it. */
  get id(): string {
    return (this.cachedId ??= bytesToHexReversed(this.hash));
  }

  with(changes: Partial<HeaderData>): BlockHeader {
    return new BlockHeader({ ...this.data(), ...changes });
  }

  data(): HeaderData {
    const { version, prevHash, merkleRoot, time, bits, nonce } = this;
    return { version, prevHash, merkleRoot, time, bits, nonce };
  }
}

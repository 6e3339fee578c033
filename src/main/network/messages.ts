// The peer-to-peer messages nodes exchange, as in Bitcoin's protocol, and their sizes on the wire.

import type { Block } from '../core/block.ts';
import type { BlockHeader } from '../core/header.ts';
import type { Transaction } from '../core/tx.ts';

export type InvKind = 'block' | 'tx';

export interface InvItem {
  kind: InvKind;
  /** Display-order hash (block hash or txid). */
  id: string;
}

export type Message =
  | { type: 'inv'; items: InvItem[] }
  | { type: 'getdata'; items: InvItem[] }
  | { type: 'notfound'; items: InvItem[] }
  | { type: 'getheaders'; locator: string[] }
  | { type: 'headers'; headers: BlockHeader[] }
  | { type: 'block'; block: Block }
  | { type: 'tx'; tx: Transaction };

/** Most headers in one `headers` message (as in Bitcoin). */
export const MAX_HEADERS = 2000;
const HEADER_BYTES = 24; // message envelope: magic, command, length, checksum

/** Bytes the message takes on the wire, for bandwidth-limited links. */
export function messageSize(m: Message): number {
  switch (m.type) {
    case 'inv':
    case 'getdata':
    case 'notfound':
      return HEADER_BYTES + 3 + 36 * m.items.length;
    case 'getheaders':
      return HEADER_BYTES + 4 + 1 + 32 * m.locator.length + 32;
    case 'headers':
      return HEADER_BYTES + 3 + 81 * m.headers.length;
    case 'block':
      return HEADER_BYTES + m.block.totalSize;
    case 'tx':
      return HEADER_BYTES + m.tx.totalSize;
  }
}

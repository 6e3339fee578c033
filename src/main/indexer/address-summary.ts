// An address as one view sees it, folded from the address's address_io rows in one pass: totals, UTXOs, a page of history.

import type { AddressHistoryItem, AddressInfo, AddressUtxo } from '../../shared/explorer.ts';

/**
 * One address_io row as the address query reads it, in key order (height, position, block_id, n): n (vout of
 * an output to the address; -1 - vin of an input spending one), the coin's txid id and vout, the value, and
 * the height, position and block id of the transaction. Integers only: a txid is read for the few rows shown.
 */
export type AddressRow = [n: number, coinTxid: number, coinVout: number, value: number, height: number, position: number, blockId: number];

/** A history cursor: the page holds transactions strictly before (height, position). */
export type HistoryCursor = [height: number, position: number];

/** A transaction's place: height, position and block id. */
export type TxPlace = [height: number, position: number, blockId: number];

/** What the fold reads besides the rows. */
export interface AddressLookups {
  /** Whether a block at a height is on the view's best chain. */
  active(height: number, blockId: number): boolean;
  /** The display-order hex hash of a block. */
  blockHash(blockId: number): string;
  /** Every transaction of the address (any block's) with (height, position) in [from, to], in key order, with its display-order hex txid. */
  txids(from: TxPlace, to: TxPlace): readonly [...TxPlace, string][];
}

/**
 * Folds the rows of an address (every stored block's, in key order) into what the view sees: `active` keeps
 * the rows of blocks on the view's best chain, where an address has at most one transaction per (height,
 * position). Received and sent sum the outputs to the address and the inputs spending them; a UTXO is an
 * output no kept input spends; history is newest first, `limit` transactions before `cursor`, each with
 * its net delta and block hash.
 */
export function summarizeAddress(address: string, rows: readonly AddressRow[], cursor: HistoryCursor | null, limit: number, look: AddressLookups): AddressInfo {
  // Amounts are summed as numbers (no allocation per row): exact while the address's volume, received plus
  // sent, is a safe integer, which bounds every partial sum; past that, sums are redone as bigints.
  // `kept` is `rows` itself until a row is dropped (on a view without forks, always).
  let kept: AddressRow[] = rows as AddressRow[];
  let receivedSum = 0;
  let sentSum = 0;
  let txCount = 0;
  let lastHeight = -1;
  let lastPosition = -1;
  const spent = new CoinSet();
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (!look.active(r[4], r[6])) {
      if (kept === rows) kept = rows.slice(0, i);
      continue;
    }
    if (kept !== rows) kept.push(r);
    if (r[0] < 0) {
      sentSum += r[3];
      spent.add(r[1], r[2]);
    } else receivedSum += r[3];
    if (r[4] !== lastHeight || r[5] !== lastPosition) {
      txCount++;
      lastHeight = r[4];
      lastPosition = r[5];
    }
  }
  spent.seal();
  const exact = Number.isSafeInteger(receivedSum + sentSum);
  /** Received minus spent by kept[from..to). */
  const delta = (from: number, to: number): bigint => {
    let sum = 0;
    let big = 0n;
    for (let i = from; i < to; i++) {
      const r = kept[i]!;
      if (exact) sum += r[0] >= 0 ? r[3] : -r[3];
      else big += r[0] >= 0 ? BigInt(r[3]) : -BigInt(r[3]);
    }
    return exact ? BigInt(sum) : big;
  };
  let received = BigInt(receivedSum);
  let sent = BigInt(sentSum);
  if (!exact) {
    received = 0n;
    sent = 0n;
    for (const r of kept) {
      if (r[0] < 0) sent += BigInt(r[3]);
      else received += BigInt(r[3]);
    }
  }

  const unspent: AddressRow[] = [];
  for (const r of kept) if (r[0] >= 0 && !spent.has(r[1], r[2])) unspent.push(r);

  // History: groups of consecutive kept rows with one (height, position), walked from the newest.
  const [beforeHeight, beforePosition] = cursor ?? [Number.MAX_SAFE_INTEGER, 0];
  const page: AddressRow[] = [];
  const deltas: bigint[] = [];
  let more = false;
  for (let end = kept.length; end > 0; ) {
    const last = kept[end - 1]!;
    const height = last[4];
    const position = last[5];
    let start = end - 1;
    while (start > 0 && kept[start - 1]![4] === height && kept[start - 1]![5] === position) start--;
    if (height < beforeHeight || (height === beforeHeight && position < beforePosition)) {
      if (page.length === limit) {
        more = true;
        break;
      }
      page.push(last);
      deltas.push(delta(start, end));
    }
    end = start;
  }

  // Txids of the shown transactions, from one range of the address's rows: the oldest shown to the newest.
  let places: readonly [...TxPlace, string][] = [];
  if (page.length + unspent.length > 0) {
    let from = page[0] ?? unspent[0]!;
    let to = from;
    for (const list of [page, unspent]) {
      for (const r of list) {
        if (comparePlaces(r[4], r[5], r[6], from) < 0) from = r;
        if (comparePlaces(r[4], r[5], r[6], to) > 0) to = r;
      }
    }
    places = look.txids([from[4], from[5], from[6]], [to[4], to[5], to[6]]);
  }
  /** Binary search of `places` (in key order) for the transaction of row r. */
  const txidOf = (r: AddressRow): string => {
    let lo = 0;
    let hi = places.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const p = places[mid]!;
      const c = comparePlaces(p[0], p[1], p[2], r);
      if (c === 0) return p[3];
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    throw new Error(`address ${address}: expected the txid of the transaction at ${r[4]}:${r[5]} in block ${r[6]}, got none`);
  };

  const utxos: AddressUtxo[] = unspent.map((r) => ({ txid: txidOf(r), vout: r[2], value: BigInt(r[3]), height: r[4] }));
  utxos.sort((a, b) => b.height - a.height || (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : a.vout - b.vout));
  const history: AddressHistoryItem[] = page.map((r, i) => ({ txid: txidOf(r), height: r[4], position: r[5], blockHash: look.blockHash(r[6]), delta: deltas[i]! }));
  const oldest = history[history.length - 1];
  return {
    address,
    balance: received - sent,
    received,
    sent,
    txCount,
    utxos,
    history,
    next: more && oldest ? `${oldest.height}:${oldest.position}` : null,
  };
}

/** Orders a place (height, position, block id) against row r's, as the address_io key does. */
function comparePlaces(height: number, position: number, blockId: number, r: AddressRow): number {
  return height - r[4] || position - r[5] || blockId - r[6];
}

/**
 * A set of coins (txid id, vout): add all, seal, then ask. A coin whose pair fits in 53 bits is one double
 * in a sorted array (no allocation per coin); others, never met in practice, are strings in a Set.
 */
class CoinSet {
  private keys: number[] = [];
  private sorted = new Float64Array(0);
  private wide: Set<string> | null = null;

  add(txidId: number, vout: number): void {
    if (txidId < 2 ** 32 && vout < 2 ** 21) this.keys.push(txidId * 2 ** 21 + vout);
    else (this.wide ??= new Set()).add(`${txidId}:${vout}`);
  }

  seal(): void {
    this.sorted = Float64Array.from(this.keys).sort();
    this.keys = [];
  }

  has(txidId: number, vout: number): boolean {
    if (!(txidId < 2 ** 32 && vout < 2 ** 21)) return this.wide?.has(`${txidId}:${vout}`) ?? false;
    const key = txidId * 2 ** 21 + vout;
    const a = this.sorted;
    let lo = 0;
    let hi = a.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid] === key) return true;
      if (a[mid]! < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
}

// Block store: writes each block the explorer index learns of once (header, transactions, inputs, outputs, address rows), with the id caches and row counters that keep that write path cheap.

import type Database from 'better-sqlite3';
import { addressFromScript, type AddressPrefixes } from '../core/address.ts';
import type { Block } from '../core/block.ts';
import type { Bytes } from '../core/bytes.ts';
import type { BlockEntry } from '../core/chainstate.ts';
import { classifyScript } from '../core/script.ts';
import type { Transaction } from '../core/tx.ts';
import type { BlockUndo } from '../core/validate.ts';

type Db = Database.Database;
type Statement = Database.Statement;

interface BlockRow {
  id: number;
  hasData: boolean;
}

/** A display-order hash as the BLOB the index stores. */
export function displayBlob(internal: Bytes): Uint8Array {
  return Uint8Array.from(internal).reverse();
}

/** A Map that forgets its oldest tenth when it grows past `limit`. */
class BoundedCache<V> {
  private readonly map = new Map<string, V>();
  private readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, value: V): void {
    this.map.set(key, value);
    if (this.map.size > this.limit) {
      let drop = Math.ceil(this.limit / 10);
      for (const k of this.map.keys()) {
        if (drop-- <= 0) break;
        this.map.delete(k);
      }
    }
  }
  clear(): void {
    this.map.clear();
  }
}

/**
 * The immutable part of the index: blocks, txids, txs, inputs, outputs, addresses and address_io. Row ids of
 * txs, inputs and outputs are handed out here, so use it only inside the caller's write transaction, and call
 * reloadAfterRollback() when one rolls back. The one per-view write it makes: a header it adds on a view's
 * behalf gets that view's 'headers-only' status, so a view has a status for every ancestor of its blocks.
 */
export class BlockStore {
  private readonly db: Db;
  private readonly blockIds = new Map<string, BlockRow>();
  private readonly txidIds: BoundedCache<number>;
  private readonly addressIds: BoundedCache<number>;
  /** Address id (or null: no address) by output script, as latin1 text; saves encoding an address per output. */
  private readonly scriptAddressIds: BoundedCache<number | null>;
  private nextTxRow = 1;
  private nextInputRow = 1;
  private nextOutputRow = 1;
  private readonly stmt: Record<
    | 'blockByHash' | 'insertBlock' | 'fillBlock' | 'txidByBlob' | 'insertTxid' | 'insertTx' | 'insertInput' | 'insertOutput'
    | 'addressByText' | 'insertAddress' | 'prevOutput' | 'insertAddressIo' | 'addPending' | 'takePending' | 'blockTxs' | 'completeInput' | 'setFee'
    | 'addStatus' | 'hasStatus',
    Statement
  >;

  /** `db` must already be migrated. `cacheSize`: txid and address ids kept in memory, each. */
  constructor(db: Db, cacheSize: number) {
    this.db = db;
    this.txidIds = new BoundedCache(cacheSize);
    this.addressIds = new BoundedCache(cacheSize);
    this.scriptAddressIds = new BoundedCache(cacheSize);
    const p = (sql: string): Statement => db.prepare(sql);
    this.stmt = {
      blockByHash: p('SELECT id, has_data AS hasData FROM blocks WHERE hash = ?'),
      insertBlock: p(`INSERT INTO blocks (hash, prev_id, height, version, merkle_root, time, bits, nonce, chain_work, has_data, size, weight, tx_count, raw)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      fillBlock: p('UPDATE blocks SET has_data = 1, size = ?, weight = ?, tx_count = ?, raw = ? WHERE id = ?'),
      txidByBlob: p('SELECT id FROM txids WHERE txid = ?').pluck(),
      insertTxid: p('INSERT INTO txids (txid) VALUES (?)'),
      insertTx: p(`INSERT INTO txs (id, txid_id, block_id, position, size, vsize, weight, fee, is_coinbase, first_input_id, input_count, first_output_id, output_count)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertInput: p('INSERT INTO inputs (id, tx_id, vin, prev_txid_id, prev_vout, sequence, prev_value) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      insertOutput: p('INSERT INTO outputs (id, tx_id, vout, value, script, type, address_id) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      addressByText: p('SELECT id FROM addresses WHERE address = ?').pluck(),
      insertAddress: p('INSERT INTO addresses (address) VALUES (?)'),
      prevOutput: p('SELECT o.value, o.address_id FROM txs t JOIN outputs o ON o.id = t.first_output_id + ? WHERE t.txid_id = ? AND t.output_count > ? LIMIT 1')
        .raw()
        .safeIntegers(true),
      insertAddressIo: p(`INSERT OR IGNORE INTO address_io (address_id, height, position, block_id, n, txid_id, txid, coin_txid_id, coin_vout, value)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      addPending: p('INSERT OR IGNORE INTO address_io_pending (block_id) VALUES (?)'),
      takePending: p('DELETE FROM address_io_pending WHERE block_id = ?'),
      blockTxs: p('SELECT id, txid_id, first_input_id FROM txs WHERE block_id = ? ORDER BY position').raw(),
      completeInput: p('UPDATE inputs SET prev_value = ? WHERE id = ?'),
      setFee: p('UPDATE txs SET fee = ? WHERE id = ?'),
      addStatus: p("INSERT OR IGNORE INTO block_status (view_id, block_id, status, code) VALUES (?, ?, 'headers-only', NULL)"),
      hasStatus: p('SELECT 1 FROM block_status WHERE view_id = ? AND block_id = ?').pluck(),
    };
    this.loadCounters();
  }

  /**
   * Stores a block once: its header, and its transactions when `block` is given and the row has none yet.
   * Ancestors missing from the index (or from the view's statuses) are added as headers first. Returns the
   * block's row id; without `block` this is just the row id of a block the view knows.
   */
  store(viewId: number, entry: BlockEntry, block: Block | undefined, undo: BlockUndo | undefined, prefixes: AddressPrefixes | undefined): number {
    let row = this.lookupBlock(entry);
    if (row && (row.hasData || !block)) {
      if (row.hasData && block && undo && this.stmt.takePending.run(row.id).changes > 0) this.completeInputs(row.id, entry.height, block, undo, prefixes!);
      return row.id;
    }
    let prevId: number | null = null;
    if (entry.parent) {
      // Walk up to the first ancestor the index has and the view has a status for; add headers down from there.
      const missing: BlockEntry[] = [];
      let e: BlockEntry | null = entry.parent;
      while (e) {
        const known = this.lookupBlock(e);
        if (known && this.stmt.hasStatus.get(viewId, known.id) !== undefined) break;
        missing.push(e);
        e = e.parent;
      }
      for (let i = missing.length - 1; i >= 0; i--) {
        const a = missing[i]!;
        const id = this.lookupBlock(a)?.id ?? this.insertHeader(a, a.parent ? this.lookupBlock(a.parent)!.id : null, null);
        this.stmt.addStatus.run(viewId, id);
      }
      prevId = this.lookupBlock(entry.parent)!.id;
    }
    if (!row) {
      const id = this.insertHeader(entry, prevId, block ?? null);
      row = { id, hasData: block !== undefined };
      if (!block) this.stmt.addStatus.run(viewId, id);
    } else if (block) {
      this.stmt.fillBlock.run(block.totalSize, block.weight, block.txs.length, block.toBytes(), row.id);
      row.hasData = true;
    }
    if (block) this.insertTransactions(row.id, entry.height, block, undo, prefixes!);
    return row.id;
  }

  /** After the caller's transaction rolled back: forgets the ids it may have handed out. */
  reloadAfterRollback(): void {
    this.blockIds.clear();
    this.txidIds.clear();
    this.addressIds.clear();
    this.scriptAddressIds.clear();
    this.loadCounters();
  }

  private loadCounters(): void {
    const max = (table: string): number => Number(this.db.prepare(`SELECT coalesce(max(id), 0) FROM ${table}`).pluck().get());
    this.nextTxRow = max('txs') + 1;
    this.nextInputRow = max('inputs') + 1;
    this.nextOutputRow = max('outputs') + 1;
  }

  private lookupBlock(entry: BlockEntry): BlockRow | undefined {
    const cached = this.blockIds.get(entry.id);
    if (cached) return cached;
    const row = this.stmt.blockByHash.get(displayBlob(entry.hash)) as { id: number | bigint; hasData: number | bigint } | undefined;
    if (!row) return undefined;
    const r = { id: Number(row.id), hasData: Number(row.hasData) === 1 };
    this.blockIds.set(entry.id, r);
    return r;
  }

  private insertHeader(entry: BlockEntry, prevId: number | null, block: Block | null): number {
    const h = entry.header;
    const info = this.stmt.insertBlock.run(
      displayBlob(entry.hash),
      prevId,
      entry.height,
      h.version,
      displayBlob(h.merkleRoot),
      h.time,
      h.bits,
      h.nonce,
      entry.chainWork.toString(16),
      block ? 1 : 0,
      block ? block.totalSize : null,
      block ? block.weight : null,
      block ? block.txs.length : null,
      block ? block.toBytes() : null,
    );
    const id = Number(info.lastInsertRowid);
    this.blockIds.set(entry.id, { id, hasData: block !== null });
    return id;
  }

  private txidId(internal: Bytes): number {
    const key = Buffer.from(internal.buffer, internal.byteOffset, internal.byteLength).toString('latin1'); // cheaper to hash than hex
    const cached = this.txidIds.get(key);
    if (cached !== undefined) return cached;
    const blob = displayBlob(internal);
    const found = this.stmt.txidByBlob.get(blob) as number | bigint | undefined;
    const id = found !== undefined ? Number(found) : Number(this.stmt.insertTxid.run(blob).lastInsertRowid);
    this.txidIds.set(key, id);
    return id;
  }

  private addressId(address: string): number {
    const cached = this.addressIds.get(address);
    if (cached !== undefined) return cached;
    const found = this.stmt.addressByText.get(address) as number | bigint | undefined;
    const id = found !== undefined ? Number(found) : Number(this.stmt.insertAddress.run(address).lastInsertRowid);
    this.addressIds.set(address, id);
    return id;
  }

  /** The address id of an output script, or null when the script pays no address. */
  private scriptAddressId(script: Bytes, prefixes: AddressPrefixes): number | null {
    const key = Buffer.from(script.buffer, script.byteOffset, script.byteLength).toString('latin1');
    const cached = this.scriptAddressIds.get(key);
    if (cached !== undefined) return cached;
    const address = addressFromScript(script, prefixes);
    const id = address === null ? null : this.addressId(address);
    this.scriptAddressIds.set(key, id);
    return id;
  }

  /**
   * The coins a transaction's inputs spend: from the block's undo data when given, else from the stored copy of
   * each spent transaction (an earlier block, or earlier in this block); null where neither has it.
   */
  private spentCoins(tx: Transaction, position: number, undo: BlockUndo | undefined, prefixes: AddressPrefixes): ({ value: bigint; addressId: number | null } | null)[] {
    const spent = undo?.spent[position - 1];
    if (spent) return spent.map((c) => ({ value: c.value, addressId: this.scriptAddressId(c.scriptPubKey, prefixes) }));
    return tx.inputs.map((input) => {
      const r = this.stmt.prevOutput.get(input.prevout.vout, this.txidId(input.prevout.txid), input.prevout.vout) as [bigint, bigint | null] | undefined;
      return r ? { value: r[0], addressId: r[1] === null ? null : Number(r[1]) } : null;
    });
  }

  /** Fee from the spent coins, or null when some are unknown. */
  private static fee(tx: Transaction, coins: readonly ({ value: bigint } | null)[]): bigint | null {
    let inValue = 0n;
    for (const c of coins) {
      if (c === null) return null;
      inValue += c.value;
    }
    return inValue - tx.totalOut();
  }

  private insertTransactions(blockId: number, height: number, block: Block, undo: BlockUndo | undefined, prefixes: AddressPrefixes): void {
    const s = this.stmt;
    let pending = false;
    block.txs.forEach((tx, position) => {
      const txRow = this.nextTxRow++;
      const coinbase = position === 0 && tx.isCoinbase();
      const firstInput = this.nextInputRow;
      const firstOutput = this.nextOutputRow;
      this.nextInputRow += tx.inputs.length;
      this.nextOutputRow += tx.outputs.length;
      const txidId = this.txidId(tx.txid);
      let txid: Uint8Array | null = null; // display order, made for the first address row
      const coins = coinbase ? [] : this.spentCoins(tx, position, undo, prefixes);
      const fee = coinbase ? null : BlockStore.fee(tx, coins);
      if (!coinbase && fee === null) pending = true;
      s.insertTx.run(txRow, txidId, blockId, position, tx.totalSize, tx.vsize, tx.weight, fee, coinbase ? 1 : 0, firstInput, tx.inputs.length, firstOutput, tx.outputs.length);
      tx.inputs.forEach((input, vin) => {
        if (coinbase) {
          s.insertInput.run(firstInput + vin, txRow, vin, null, input.prevout.vout, input.sequence, null);
          return;
        }
        const prevTxid = this.txidId(input.prevout.txid);
        const coin = coins[vin];
        s.insertInput.run(firstInput + vin, txRow, vin, prevTxid, input.prevout.vout, input.sequence, coin ? coin.value : null);
        if (coin && coin.addressId !== null) s.insertAddressIo.run(coin.addressId, height, position, blockId, -1 - vin, txidId, (txid ??= displayBlob(tx.txid)), prevTxid, input.prevout.vout, coin.value);
      });
      tx.outputs.forEach((output, vout) => {
        const script = output.scriptPubKey;
        const type = classifyScript(script).type;
        const addressId = this.scriptAddressId(script, prefixes);
        s.insertOutput.run(firstOutput + vout, txRow, vout, output.value, script, type, addressId);
        if (addressId !== null) s.insertAddressIo.run(addressId, height, position, blockId, vout, txidId, (txid ??= displayBlob(tx.txid)), txidId, vout, output.value);
      });
    });
    if (pending) s.addPending.run(blockId);
  }

  /**
   * Completes a stored block whose inputs' spent coins were not all known when it was stored, from the undo
   * data its connection brings: each input's prev_value, its address_io row, and each transaction's fee.
   */
  private completeInputs(blockId: number, height: number, block: Block, undo: BlockUndo, prefixes: AddressPrefixes): void {
    const s = this.stmt;
    const rows = s.blockTxs.all(blockId) as [number, number, number][];
    block.txs.forEach((tx, position) => {
      if (position === 0) return;
      const [txRow, txidId, firstInput] = rows[position]!;
      const coins = this.spentCoins(tx, position, undo, prefixes);
      const txid = displayBlob(tx.txid);
      s.setFee.run(BlockStore.fee(tx, coins), txRow);
      tx.inputs.forEach((input, vin) => {
        const coin = coins[vin]!;
        s.completeInput.run(coin.value, firstInput + vin);
        if (coin.addressId !== null) s.insertAddressIo.run(coin.addressId, height, position, blockId, -1 - vin, txidId, txid, this.txidId(input.prevout.txid), input.prevout.vout, coin.value);
      });
    });
  }
}

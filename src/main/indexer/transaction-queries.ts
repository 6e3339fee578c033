// Transactions as each view sees them: tx() over the stored copies or the view's mempool, and every view's state of a txid.

import type Database from 'better-sqlite3';
import { addressFromScript, type AddressPrefixes } from '../core/address.ts';
import { bytesToHexReversed } from '../core/bytes.ts';
import { classifyScript } from '../core/script.ts';
import { Transaction } from '../core/tx.ts';
import type { BlockStatus, TxInfo, TxInput, TxOutput, TxViewStatus } from '../../shared/explorer.ts';
import { blob, checkHash, hex } from './query-values.ts';

type Db = Database.Database;
type Statement = Database.Statement;

interface TxRow {
  id: number;
  block_id: number;
  position: number;
  size: number;
  vsize: number;
  weight: number;
  fee: bigint | null;
  is_coinbase: number;
  first_input_id: number;
  input_count: number;
  first_output_id: number;
  output_count: number;
  hash: Buffer;
  height: number;
  active: number;
}

/** A mempool row as tx() reads it. */
interface MempoolRow {
  raw: Buffer;
  size: bigint;
  vsize: bigint;
  weight: bigint;
  fee: bigint;
  fee_rate: number;
  time: number;
}

/** What the transaction queries read through ExplorerQueries: a view by name, and a block's place in a view. */
export interface ViewLookups {
  /** The view a name names (an InputError for an unknown one), with its tip height (-1 before any block). */
  view(name: unknown): { id: number; tipHeight: number };
  /** A block's status in a view; 'unseen' when the view never reported it. */
  statusOf(viewId: number, blockId: number): { status: BlockStatus; code: string | null };
  /** The id of the block at a height of the view's best chain. */
  activeAt(viewId: number, height: number): number | undefined;
}

/** The prepared statements the transaction queries use. */
function prepareStatements(db: Db) {
  const p = (sql: string): Statement => db.prepare(sql);
  const activeJoin = (v: string, b: string) => `JOIN view_blocks ${v} ON ${v}.view_id = ? AND ${v}.height = ${b}.height AND ${v}.block_id = ${b}.id`;
  return {
    /** Each view's tip height and whether its mempool holds a txid (one primary-key probe per view), in view order. */
    viewsMempoolHas: p(`SELECT v.id, v.name, (SELECT height FROM blocks WHERE id = v.tip_block_id) AS tipHeight,
      EXISTS (SELECT 1 FROM mempool m WHERE m.view_id = v.id AND m.txid = ?) AS pooled FROM views v ORDER BY v.id`),
    /** The stored blocks holding a transaction, in the order txCopies reads its copies. */
    txBlocks: p('SELECT t.block_id, b.hash, b.height FROM txs t JOIN blocks b ON b.id = t.block_id WHERE t.txid_id = ? ORDER BY t.id'),
    txidId: p('SELECT id FROM txids WHERE txid = ?').pluck(),
    txCopies: p(`SELECT t.*, b.hash, b.height, (vb.block_id IS NOT NULL) AS active FROM txs t JOIN blocks b ON b.id = t.block_id
      LEFT JOIN view_blocks vb ON vb.view_id = ? AND vb.height = b.height AND vb.block_id = b.id WHERE t.txid_id = ? ORDER BY t.id`).safeIntegers(true),
    inputs: p(`SELECT i.vin, i.prev_txid_id, i.prev_vout, i.sequence, x.txid AS prev_txid FROM inputs i LEFT JOIN txids x ON x.id = i.prev_txid_id
      WHERE i.id BETWEEN ? AND ? ORDER BY i.id`),
    outputs: p(`SELECT o.vout, o.value, o.script, o.type, a.address FROM outputs o LEFT JOIN addresses a ON a.id = o.address_id
      WHERE o.id BETWEEN ? AND ? ORDER BY o.id`).safeIntegers(true),
    prevOutput: p(`SELECT o.value, a.address FROM txs t JOIN outputs o ON o.id = t.first_output_id + ? LEFT JOIN addresses a ON a.id = o.address_id
      WHERE t.txid_id = ? AND t.output_count > ? LIMIT 1`).safeIntegers(true),
    spender: p(`SELECT x.txid, i.vin, b.height FROM inputs i JOIN txs t ON t.id = i.tx_id JOIN txids x ON x.id = t.txid_id
      JOIN blocks b ON b.id = t.block_id ${activeJoin('vb', 'b')} WHERE i.prev_txid_id = ? AND i.prev_vout = ? LIMIT 1`),
    mempoolEntry: p('SELECT raw, size, vsize, weight, fee, fee_rate, time FROM mempool WHERE view_id = ? AND txid = ?').safeIntegers(true),
    mempoolRaw: p('SELECT raw FROM mempool WHERE view_id = ? AND txid = ?').pluck(),
  };
}

/** Read-only transaction queries; ExplorerQueries composes one and answers tx() and txViews() through it. */
export class TransactionQueries {
  private readonly s: ReturnType<typeof prepareStatements>;
  private readonly views: ViewLookups;
  /** Address encoding of each view's chain, by view name: the index stores no address for a script only a mempool holds. */
  private readonly addressPrefixes = new Map<string, AddressPrefixes>();
  private defaultPrefixes: AddressPrefixes | null = null;

  constructor(db: Db, views: ViewLookups) {
    this.s = prepareStatements(db);
    this.views = views;
  }

  /**
   * How the view's chain encodes addresses, for transactions the index holds only as bytes (its mempool): the
   * index that follows the view's node tells it on attach. Without it, such outputs show no address.
   */
  setAddressPrefixes(viewName: string, prefixes: AddressPrefixes): void {
    const { bech32Hrp, pubKeyHashPrefix, scriptHashPrefix } = prefixes;
    this.addressPrefixes.set(viewName, { bech32Hrp, pubKeyHashPrefix, scriptHashPrefix });
  }

  /**
   * The encoding for views no node has told (a workspace read without its network, or one still opening): every
   * view of a workspace is on the same network, whose parameters forklab.json names.
   */
  setDefaultAddressPrefixes(prefixes: AddressPrefixes): void {
    const { bech32Hrp, pubKeyHashPrefix, scriptHashPrefix } = prefixes;
    this.defaultPrefixes = { bech32Hrp, pubKeyHashPrefix, scriptHashPrefix };
  }

  /**
   * Every view's state of a transaction: 'confirmed' when a block of its best chain holds it, else 'mempool'
   * when its mempool does, else 'stale' when any stored block does, else 'unknown' (the order tx() decides
   * `confirmed`, `mempool` and `blocks` in). Reads the blocks holding it once, then one probe per view and block.
   */
  txViews(txid: string): TxViewStatus[] {
    const key = blob(checkHash(txid, 'txid'));
    const id = this.s.txidId.get(key) as number | undefined;
    const copies = id === undefined ? [] : (this.s.txBlocks.all(id) as { block_id: number; hash: Buffer; height: number }[]);
    const rows = this.s.viewsMempoolHas.all(key) as { id: number; name: string; tipHeight: number | null; pooled: number }[];
    return rows.map((v): TxViewStatus => {
      const active = copies.find((c) => this.views.activeAt(v.id, c.height) === c.block_id);
      if (active) return { node: v.name, state: 'confirmed', confirmations: (v.tipHeight ?? -1) - active.height + 1, blockHash: hex(active.hash) };
      if (v.pooled === 1) return { node: v.name, state: 'mempool', confirmations: 0, blockHash: null };
      if (copies[0]) return { node: v.name, state: 'stale', confirmations: 0, blockHash: hex(copies[0].hash) };
      return { node: v.name, state: 'unknown', confirmations: 0, blockHash: null };
    });
  }

  /**
   * A transaction as the view sees it: every stored block holding it (with its status in the view), whether
   * the view's best chain holds one of them, and whether the view's mempool holds it. Inputs carry the value and
   * address of the outputs they spend (from any stored copy of the spent transaction, or from the view's
   * mempool for an unconfirmed parent); outputs carry their spender on the view's best chain. A transaction
   * only the mempool holds is decoded from the mempool's copy. Null when the view's mempool and the stored
   * blocks hold no such transaction.
   */
  tx(viewName: string, txid: string): TxInfo | null {
    const v = this.views.view(viewName);
    const key = blob(checkHash(txid, 'txid'));
    const pooled = this.s.mempoolEntry.get(v.id, key) as MempoolRow | undefined;
    const mempool = pooled ? { time: pooled.time, feeRate: pooled.fee_rate } : null;
    const id = this.s.txidId.get(key) as number | undefined;
    const copies = id === undefined ? [] : (this.s.txCopies.all(v.id, id) as TxRow[]).map((r) => ({
      ...r,
      id: Number(r.id),
      block_id: Number(r.block_id),
      height: Number(r.height),
      position: Number(r.position),
      active: Number(r.active),
    }));
    const blocks = copies.map((c) => ({ hash: hex(c.hash), height: c.height, position: c.position, status: this.views.statusOf(v.id, c.block_id).status }));
    const chosen = copies.find((c) => c.active === 1) ?? copies[0];
    const prefixes = this.addressPrefixes.get(viewName) ?? this.defaultPrefixes;
    if (!chosen) return pooled ? this.mempoolTx(v.id, prefixes, txid.toLowerCase(), id, pooled) : null; // else known only as the coin an input spends
    const confirmed = chosen.active === 1;
    const firstIn = Number(chosen.first_input_id);
    const firstOut = Number(chosen.first_output_id);
    const inputs = (this.s.inputs.all(firstIn, firstIn + Number(chosen.input_count) - 1) as { vin: number; prev_txid_id: number | null; prev_vout: number; sequence: number; prev_txid: Buffer | null }[]).map((i): TxInput => {
      if (i.prev_txid_id === null) return { vin: i.vin, coinbase: true, prevTxid: null, prevVout: null, value: null, address: null, sequence: i.sequence };
      const prevTxid = hex(i.prev_txid!);
      const prev = this.spentOutput(v.id, prefixes, prevTxid, i.prev_txid_id, i.prev_vout);
      return { vin: i.vin, coinbase: false, prevTxid, prevVout: i.prev_vout, value: prev?.value ?? null, address: prev?.address ?? null, sequence: i.sequence };
    });
    const outputs = (this.s.outputs.all(firstOut, firstOut + Number(chosen.output_count) - 1) as { vout: bigint; value: bigint; script: Buffer; type: string; address: string | null }[]).map((o): TxOutput => {
      const vout = Number(o.vout);
      return { vout, value: o.value, type: o.type, address: o.address, scriptHex: hex(o.script), spentBy: this.spenderOf(v.id, id, vout) };
    });
    return {
      txid: txid.toLowerCase(),
      size: Number(chosen.size),
      vsize: Number(chosen.vsize),
      weight: Number(chosen.weight),
      fee: chosen.fee ?? pooled?.fee ?? null,
      isCoinbase: Number(chosen.is_coinbase) === 1,
      confirmed,
      block: confirmed ? { hash: hex(chosen.hash), height: chosen.height, position: chosen.position } : null,
      confirmations: confirmed ? v.tipHeight - chosen.height + 1 : 0,
      blocks,
      mempool,
      inputs,
      outputs,
    };
  }

  /** A transaction only the view's mempool holds, decoded from its serialization there. */
  private mempoolTx(viewId: number, prefixes: AddressPrefixes | null, txid: string, id: number | undefined, row: MempoolRow): TxInfo {
    const tx = Transaction.fromBytes(row.raw);
    const inputs = tx.inputs.map((input, vin): TxInput => {
      const prevTxid = bytesToHexReversed(input.prevout.txid);
      const prevId = this.s.txidId.get(blob(prevTxid)) as number | undefined;
      const prev = this.spentOutput(viewId, prefixes, prevTxid, prevId, input.prevout.vout);
      return { vin, coinbase: false, prevTxid, prevVout: input.prevout.vout, value: prev?.value ?? null, address: prev?.address ?? null, sequence: input.sequence };
    });
    const outputs = tx.outputs.map((o, vout): TxOutput => ({
      vout,
      value: o.value,
      type: classifyScript(o.scriptPubKey).type,
      address: prefixes ? addressFromScript(o.scriptPubKey, prefixes) : null,
      scriptHex: hex(o.scriptPubKey),
      spentBy: this.spenderOf(viewId, id, vout),
    }));
    return {
      txid,
      size: Number(row.size),
      vsize: Number(row.vsize),
      weight: Number(row.weight),
      fee: row.fee,
      isCoinbase: false, // a mempool never holds a coinbase
      confirmed: false,
      block: null,
      confirmations: 0,
      blocks: [],
      mempool: { time: row.time, feeRate: row.fee_rate },
      inputs,
      outputs,
    };
  }

  /**
   * The output an input spends: from any stored copy of its transaction (copies share their outputs), else
   * from the view's mempool when an unconfirmed parent there creates it; undefined when neither holds it.
   */
  private spentOutput(viewId: number, prefixes: AddressPrefixes | null, txid: string, txidId: number | null | undefined, vout: number): { value: bigint; address: string | null } | undefined {
    if (txidId !== undefined && txidId !== null) {
      const stored = this.s.prevOutput.get(vout, txidId, vout) as { value: bigint; address: string | null } | undefined;
      if (stored) return stored;
    }
    const parent = this.s.mempoolRaw.get(viewId, blob(txid)) as Buffer | undefined;
    const output = parent ? Transaction.fromBytes(parent).outputs[vout] : undefined;
    if (!output) return undefined;
    return { value: output.value, address: prefixes ? addressFromScript(output.scriptPubKey, prefixes) : null };
  }

  /** The input of the view's best chain that spends output `vout` of the transaction with txid id `txidId`. */
  private spenderOf(viewId: number, txidId: number | undefined, vout: number): TxOutput['spentBy'] {
    if (txidId === undefined) return null;
    const sp = this.s.spender.get(viewId, txidId, vout) as { txid: Buffer; vin: number; height: number } | undefined;
    return sp ? { txid: hex(sp.txid), vin: sp.vin, height: sp.height } : null;
  }
}

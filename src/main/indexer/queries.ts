// Explorer queries over the index, each answered "as view X sees it": blocks, transactions (decoded in transaction-queries.ts), addresses, tips, reorgs, mempool; and attack reports.

import type Database from 'better-sqlite3';
import type { AddressPrefixes } from '../core/address.ts';
import { InputError } from '../core/errors.ts';
import { summarizeAddress, type AddressRow, type HistoryCursor, type TxPlace } from './address-summary.ts';
import type { ReorgPayload } from './ingest.ts';
import { blob, checkHash, checkHeight, checkLimit, hex } from './query-values.ts';
import { StoredBlocks } from './stored-blocks.ts';
import { TransactionQueries } from './transaction-queries.ts';
import type { BlockStatus, BlockSummary, BlockInfo, BlockViewStatus, TxInfo, TxViewStatus, AddressInfo, SearchResult, ChainTip, TreeBlock, ReorgRecord, MempoolTx, MempoolInfo, AttackReportSummary, AttackReportRecord } from '../../shared/explorer.ts';
export type { BlockStatus, BlockSummary, BlockInfo, BlockViewStatus, TxInput, TxOutput, TxInfo, TxViewStatus, TxViewState, AddressUtxo, AddressHistoryItem, AddressInfo, SearchResult, ChainTip, TreeBlock, ReorgRecord, MempoolTx, MempoolInfo, AttackReportSummary, AttackReportRecord } from '../../shared/explorer.ts';

type Db = Database.Database;
type Statement = Database.Statement;

/** A block with one page of its txids (the paging fields live on BlockInfo, shared with the renderer). */
export type BlockPage = BlockInfo;

const MAX_TREE_SPAN = 2000;

interface BlockRow {
  id: number;
  hash: Buffer;
  prev_id: number | null;
  height: number;
  version: number;
  merkle_root: Buffer;
  time: number;
  bits: number;
  nonce: number;
  chain_work: string;
  has_data: number;
  size: number | null;
  weight: number | null;
  tx_count: number | null;
}

/** Every column of blocks but the raw block, which a query never needs (and which spans many overflow pages). */
const BLOCK_COLUMNS = (b: string): string =>
  ['id', 'hash', 'prev_id', 'height', 'version', 'merkle_root', 'time', 'bits', 'nonce', 'chain_work', 'has_data', 'size', 'weight', 'tx_count'].map((c) => `${b}.${c}`).join(', ');

/** The prepared statements the queries use. */
function prepareStatements(db: Db) {
  const p = (sql: string): Statement => db.prepare(sql);
  return {
    // The tip's height by a scalar subquery: a tenth of the time of a join here (measured on a 1M-transaction index).
    view: p('SELECT id, tip_block_id AS tipId, (SELECT height FROM blocks WHERE id = tip_block_id) AS tipHeight FROM views WHERE name = ?'),
    viewNames: p('SELECT name FROM views ORDER BY id').pluck(),
    latest: p(`SELECT b.hash, b.height, b.time, b.tx_count, b.size, b.weight FROM view_blocks vb JOIN blocks b ON b.id = vb.block_id
      WHERE vb.view_id = ? AND vb.height < ? ORDER BY vb.height DESC LIMIT ?`),
    blockByHash: p(`SELECT ${BLOCK_COLUMNS('blocks')} FROM blocks WHERE hash = ?`),
    blockById: p(`SELECT ${BLOCK_COLUMNS('blocks')} FROM blocks WHERE id = ?`),
    blockPlace: p('SELECT id, height FROM blocks WHERE hash = ?'),
    /** Each view's tip height and its status of one block (none when the view never reported it), in view order. */
    viewsBlockStatus: p(`SELECT v.name, (SELECT height FROM blocks WHERE id = v.tip_block_id) AS tipHeight, s.status, s.code FROM views v
      LEFT JOIN block_status s ON s.view_id = v.id AND s.block_id = ? ORDER BY v.id`),
    blockAtHeight: p(`SELECT ${BLOCK_COLUMNS('b')} FROM view_blocks vb JOIN blocks b ON b.id = vb.block_id WHERE vb.view_id = ? AND vb.height = ?`),
    activeAt: p('SELECT block_id FROM view_blocks WHERE view_id = ? AND height = ?').pluck(),
    status: p('SELECT status, code FROM block_status WHERE view_id = ? AND block_id = ?'),
    hashById: p('SELECT hash FROM blocks WHERE id = ?').pluck(),
    blockTxids: p('SELECT x.txid FROM txs t JOIN txids x ON x.id = t.txid_id WHERE t.block_id = ? AND t.position >= ? ORDER BY t.position LIMIT ?').pluck(),
    addressId: p('SELECT id FROM addresses WHERE address = ?').pluck(),
    /** Every address_io row of an address, of every stored block (the caller keeps the view's), in key order: see AddressRow. */
    addressRows: p('SELECT n, coin_txid_id, coin_vout, value, height, position, block_id FROM address_io WHERE address_id = ? ORDER BY height, position, block_id, n').raw(),
    /** The txids of an address's transactions in a range of places, one row per transaction. */
    addressTxids: p(`SELECT height, position, block_id, lower(hex(txid)) FROM address_io
      WHERE address_id = ? AND (height, position) >= (?, ?) AND (height, position) <= (?, ?) GROUP BY height, position, block_id`).raw(),
    txidRange: p('SELECT txid FROM txids WHERE txid BETWEEN ? AND ? ORDER BY txid LIMIT ?').pluck(),
    blockHashRange: p('SELECT hash, height FROM blocks WHERE hash BETWEEN ? AND ? ORDER BY hash LIMIT ?'),
    /**
     * Chain tips of a view: its best chain's tip, and each block of its side branches (a status other than
     * 'active', read through block_status_other) that no block with a status in the view builds on (children
     * by blocks_prev, then one status probe each: CROSS JOIN keeps that order). A block of the best chain
     * below the tip always has its successor there, so it is never a tip.
     */
    tips: p(`SELECT b.id, b.hash, b.height FROM views v JOIN blocks b ON b.id = v.tip_block_id WHERE v.id = @view
      UNION
      SELECT b.id, b.hash, b.height FROM block_status s JOIN blocks b ON b.id = s.block_id WHERE s.view_id = @view AND s.status <> 'active'
      AND NOT EXISTS (SELECT 1 FROM blocks c CROSS JOIN block_status cs ON cs.view_id = @view AND cs.block_id = c.id WHERE c.prev_id = s.block_id)`),
    treeBlocks: p(`SELECT b.id, b.hash, b.height, b.has_data, p.hash AS prev_hash FROM blocks b LEFT JOIN blocks p ON p.id = b.prev_id
      WHERE b.height BETWEEN ? AND ? ORDER BY b.height, b.id`),
    treeStatus: p(`SELECT s.block_id, v.name, s.status, s.code FROM blocks b JOIN block_status s ON s.block_id = b.id JOIN views v ON v.id = s.view_id
      WHERE b.height BETWEEN ? AND ?`),
    reorgs: p("SELECT id, time, payload FROM events WHERE view_id = ? AND kind = 'reorg' AND id < ? ORDER BY id DESC LIMIT ?"),
    mempoolTxs: p(`SELECT txid, size, vsize, weight, fee, fee_rate, time, input_count, output_count, value_out FROM mempool
      WHERE view_id = ? AND fee_rate >= ? ORDER BY fee_rate DESC, txid LIMIT ?`).safeIntegers(true),
    mempoolTotals: p('SELECT count(*) AS count, coalesce(sum(vsize), 0) AS vsize, coalesce(sum(fee), 0) AS fees FROM mempool WHERE view_id = ? AND fee_rate >= ?').safeIntegers(true),
    attackReports: p(`SELECT r.id, v.name AS view, r.attack, r.started, r.finished, r.params FROM attack_reports r LEFT JOIN views v ON v.id = r.view_id
      WHERE r.id < ? ORDER BY r.id DESC LIMIT ?`),
    attackReport: p(`SELECT r.id, v.name AS view, r.attack, r.started, r.finished, r.params, r.report FROM attack_reports r LEFT JOIN views v ON v.id = r.view_id
      WHERE r.id = ?`),
  };
}

/** Read-only queries; they see what the index has committed (call ExplorerIndex.flush() first in tests). */
export class ExplorerQueries {
  private readonly db: Db;
  private readonly s: ReturnType<typeof prepareStatements>;
  private readonly blocks: StoredBlocks;
  private readonly transactions: TransactionQueries;
  /** address() in one read transaction: the view's tip, the blocks the best-chain test knows and the rows are one snapshot. */
  private readonly readAddress: (viewName: string, address: string, o: { limit?: number; before?: string }) => AddressInfo | null;

  constructor(db: Db) {
    this.db = db;
    this.s = prepareStatements(db);
    this.blocks = new StoredBlocks(db);
    this.transactions = new TransactionQueries(db, {
      view: (name) => this.view(name),
      statusOf: (viewId, blockId) => this.statusOf(viewId, blockId),
      activeAt: (viewId, height) => this.s.activeAt.get(viewId, height) as number | undefined,
    });
    this.readAddress = db.transaction((viewName: string, address: string, o: { limit?: number; before?: string }) => this.addressIn(viewName, address, o));
  }

  /**
   * How the view's chain encodes addresses, for transactions the index holds only as bytes (its mempool): the
   * index that follows the view's node tells it on attach. Without it, such outputs show no address.
   */
  setAddressPrefixes(viewName: string, prefixes: AddressPrefixes): void {
    this.transactions.setAddressPrefixes(viewName, prefixes);
  }

  /**
   * The encoding for views no node has told (a workspace read without its network, or one still opening): every
   * view of a workspace is on the same network, whose parameters forklab.json names.
   */
  setDefaultAddressPrefixes(prefixes: AddressPrefixes): void {
    this.transactions.setDefaultAddressPrefixes(prefixes);
  }

  /** Names of every view the index has. */
  views(): string[] {
    return this.s.viewNames.all() as string[];
  }

  private view(name: unknown): { id: number; tipId: number | null; tipHeight: number } {
    if (typeof name !== 'string') throw new InputError('unknown-view', `view: expected a node id, got ${typeof name}`);
    const row = this.s.view.get(name) as { id: number; tipId: number | null; tipHeight: number | null } | undefined;
    if (!row) throw new InputError('unknown-view', `unknown view ${JSON.stringify(name)}: expected one of ${this.views().join(', ')}`);
    return { id: row.id, tipId: row.tipId, tipHeight: row.tipHeight ?? -1 };
  }

  /** The view's best chain, newest first; `before` is the keyset cursor (a height: blocks strictly below it). */
  latestBlocks(viewName: string, o: { before?: number; limit?: number } = {}): BlockSummary[] {
    const v = this.view(viewName);
    const limit = checkLimit(o.limit, 20);
    const before = o.before === undefined ? Number.MAX_SAFE_INTEGER : checkHeight(o.before, 'before');
    const rows = this.s.latest.all(v.id, before, limit) as Pick<BlockRow, 'hash' | 'height' | 'time' | 'tx_count' | 'size' | 'weight'>[];
    return rows.map((r) => ({ hash: hex(r.hash), height: r.height, time: r.time, txCount: r.tx_count, size: r.size, weight: r.weight }));
  }

  /**
   * A block by height (in the view's best chain) or by hash (any stored block), with its status in the view
   * and one page of its txids: `txLimit` (default 25) from position `txAfter + 1` (default: from the coinbase).
   */
  block(viewName: string, heightOrHash: number | string, o: { txLimit?: number; txAfter?: number } = {}): BlockPage | null {
    const v = this.view(viewName);
    const txLimit = checkLimit(o.txLimit, 25);
    const txOffset = o.txAfter === undefined ? 0 : checkHeight(o.txAfter, 'txAfter') + 1;
    let row: BlockRow | undefined;
    if (typeof heightOrHash === 'number') row = this.s.blockAtHeight.get(v.id, checkHeight(heightOrHash, 'height')) as BlockRow | undefined;
    else row = this.s.blockByHash.get(blob(checkHash(heightOrHash, 'hash'))) as BlockRow | undefined;
    if (!row) return null;
    const { status, code } = this.statusOf(v.id, row.id);
    const active = status === 'active';
    const next = active ? (this.s.activeAt.get(v.id, row.height + 1) as number | undefined) : undefined;
    const txids = this.s.blockTxids.all(row.id, txOffset, txLimit) as Buffer[];
    return {
      hash: hex(row.hash),
      height: row.height,
      time: row.time,
      txCount: row.tx_count,
      size: row.size,
      weight: row.weight,
      prevHash: row.prev_id === null ? null : hex(this.s.hashById.get(row.prev_id) as Buffer),
      merkleRoot: hex(row.merkle_root),
      version: row.version,
      bits: row.bits,
      nonce: row.nonce,
      chainWork: row.chain_work,
      status,
      code,
      confirmations: active ? v.tipHeight - row.height + 1 : -1,
      nextHash: next === undefined ? null : hex(this.s.hashById.get(next) as Buffer),
      txids: txids.map(hex),
      txOffset,
      txNext: row.tx_count !== null && txOffset + txids.length < row.tx_count ? txOffset + txids.length - 1 : null,
    };
  }

  private statusOf(viewId: number, blockId: number): { status: BlockStatus; code: string | null } {
    const s = this.s.status.get(viewId, blockId) as { status: Exclude<BlockStatus, 'unseen'>; code: string | null } | undefined;
    return s ?? { status: 'unseen', code: null };
  }

  /**
   * Every view's status of a block, by hash: for each, the status, code and confirmations block() gives, read
   * without the block itself. A hash no stored block has is 'unseen' by every view.
   */
  blockViews(hash: string): BlockViewStatus[] {
    const place = this.s.blockPlace.get(blob(checkHash(hash, 'hash'))) as { id: number; height: number } | undefined;
    const rows = this.s.viewsBlockStatus.all(place?.id ?? null) as { name: string; tipHeight: number | null; status: Exclude<BlockStatus, 'unseen'> | null; code: string | null }[];
    return rows.map((r) => ({
      node: r.name,
      status: r.status ?? 'unseen',
      code: r.code,
      confirmations: r.status === 'active' && place && r.tipHeight !== null ? r.tipHeight - place.height + 1 : -1,
    }));
  }

  /** Every view's state of a transaction ('confirmed', 'mempool', 'stale' or 'unknown'): see TransactionQueries.txViews. */
  txViews(txid: string): TxViewStatus[] {
    return this.transactions.txViews(txid);
  }

  /** A transaction as the view sees it, from its stored copies or the view's mempool: see TransactionQueries.tx. */
  tx(viewName: string, txid: string): TxInfo | null {
    return this.transactions.tx(viewName, txid);
  }

  /**
   * An address as the view sees it: outputs to it in the view's best chain, spent or not by that chain.
   * History is newest first, paged by the opaque cursor `before` (from `next`).
   */
  address(viewName: string, address: string, o: { limit?: number; before?: string } = {}): AddressInfo | null {
    return this.readAddress(viewName, address, o);
  }

  private addressIn(viewName: string, address: string, o: { limit?: number; before?: string }): AddressInfo | null {
    const v = this.view(viewName);
    if (typeof address !== 'string' || !/^[0-9A-Za-z]{1,100}$/.test(address)) {
      throw new InputError('bad-address', `address: expected 1-100 letters and digits, got ${JSON.stringify(address)}`);
    }
    const limit = checkLimit(o.limit, 50);
    let cursor: HistoryCursor | null = null;
    if (o.before !== undefined) {
      const m = /^(\d+):(\d+)$/.exec(o.before);
      if (!m) throw new InputError('bad-cursor', `before: expected a cursor "height:position", got ${JSON.stringify(o.before)}`);
      cursor = [Number(m[1]), Number(m[2])];
    }
    const addressId = this.s.addressId.get(address) as number | undefined;
    if (addressId === undefined) return null;
    const rows = this.s.addressRows.all(addressId) as AddressRow[];
    return summarizeAddress(address, rows, cursor, limit, {
      active: this.blocks.activeTest(v.id, v.tipHeight),
      blockHash: (id) => this.blocks.hash(id),
      txids: (from, to) => this.s.addressTxids.all(addressId, from[0], from[1], to[0], to[1]) as [...TxPlace, string][],
    });
  }

  /** Height, block hash, txid, hex prefix (4+ characters) of a txid or block hash, or an address. */
  search(viewName: string, q: string): SearchResult[] {
    this.view(viewName);
    if (typeof q !== 'string') throw new InputError('bad-query', `search: expected a string, got ${typeof q}`);
    const text = q.trim();
    if (/^\d{1,15}$/.test(text)) {
      const b = this.block(viewName, Number(text));
      return b ? [{ kind: 'block', hash: b.hash, height: b.height }] : [];
    }
    if (/^[0-9a-fA-F]{4,64}$/.test(text)) {
      const prefix = text.toLowerCase();
      const lo = blob(prefix.padEnd(64, '0'));
      const hi = blob(prefix.padEnd(64, 'f'));
      const blocks = (this.s.blockHashRange.all(lo, hi, 10) as { hash: Buffer; height: number }[]).map((r): SearchResult => ({ kind: 'block', hash: hex(r.hash), height: r.height }));
      const txs = (this.s.txidRange.all(lo, hi, 10) as Buffer[]).map((t): SearchResult => ({ kind: 'tx', txid: hex(t) }));
      const results = [...blocks, ...txs];
      if (results.length > 0 || text.length === 64) return results;
    }
    if (/^[0-9A-Za-z]{1,100}$/.test(text) && this.s.addressId.get(text) !== undefined) return [{ kind: 'address', address: text }];
    return [];
  }

  /** Like Bitcoin Core's getchaintips, over the blocks this view has reported. */
  chainTips(viewName: string): ChainTip[] {
    const v = this.view(viewName);
    const rows = this.s.tips.all({ view: v.id }) as { id: number; hash: Buffer; height: number }[];
    const tips: ChainTip[] = [];
    for (const r of rows) {
      if (r.id === v.tipId) {
        tips.push({ height: r.height, hash: hex(r.hash), branchlen: 0, status: 'active' });
        continue;
      }
      let status: ChainTip['status'] = 'valid-fork';
      let id: number | null = r.id;
      let height = r.height;
      while (id !== null && this.s.activeAt.get(v.id, height) !== id) {
        const b = this.s.blockById.get(id) as BlockRow;
        const s = this.statusOf(v.id, id).status;
        if (s === 'invalid') status = 'invalid';
        else if ((s === 'headers-only' || b.has_data === 0) && status !== 'invalid') status = 'headers-only';
        id = b.prev_id;
        height--;
      }
      tips.push({ height: r.height, hash: hex(r.hash), branchlen: r.height - height, status });
    }
    return tips.sort((a, b) => b.height - a.height || (a.hash < b.hash ? -1 : 1));
  }

  /** Every block any view has reported with height in [fromHeight, toHeight], with parent links and per-view status. */
  blockTree(fromHeight: number, toHeight: number): TreeBlock[] {
    checkHeight(fromHeight, 'fromHeight');
    checkHeight(toHeight, 'toHeight');
    if (toHeight < fromHeight || toHeight - fromHeight > MAX_TREE_SPAN) {
      throw new InputError('bad-range', `block tree: expected 0 <= toHeight - fromHeight <= ${MAX_TREE_SPAN}, got ${fromHeight}..${toHeight}`);
    }
    const rows = this.s.treeBlocks.all(fromHeight, toHeight) as { id: number; hash: Buffer; height: number; has_data: number; prev_hash: Buffer | null }[];
    const byId = new Map<number, TreeBlock>();
    for (const r of rows) byId.set(r.id, { hash: hex(r.hash), height: r.height, prevHash: r.prev_hash ? hex(r.prev_hash) : null, hasData: r.has_data === 1, views: {} });
    for (const s of this.s.treeStatus.all(fromHeight, toHeight) as { block_id: number; name: string; status: Exclude<BlockStatus, 'unseen'>; code: string | null }[]) {
      byId.get(s.block_id)!.views[s.name] = { status: s.status, code: s.code };
    }
    return [...byId.values()];
  }

  /** The view's reorgs, newest first, each with its diff; `before` is an event id cursor. */
  reorgs(viewName: string, o: { limit?: number; before?: number } = {}): ReorgRecord[] {
    const v = this.view(viewName);
    const limit = checkLimit(o.limit, 50);
    const before = o.before === undefined ? Number.MAX_SAFE_INTEGER : checkHeight(o.before, 'before');
    const rows = this.s.reorgs.all(v.id, before, limit) as { id: number; time: number; payload: string }[];
    return rows.map((r) => ({ id: r.id, time: r.time, ...(JSON.parse(r.payload) as ReorgPayload) }));
  }

  /** The view's mempool, highest fee rate first, with totals; `minFeeRate` (sat/vB) filters both. */
  mempool(viewName: string, o: { limit?: number; minFeeRate?: number } = {}): MempoolInfo {
    const v = this.view(viewName);
    const limit = checkLimit(o.limit, 50);
    const min = o.minFeeRate ?? 0;
    if (typeof min !== 'number' || !Number.isFinite(min) || min < 0) throw new InputError('bad-fee-rate', `minFeeRate: expected a non-negative number, got ${String(o.minFeeRate)}`);
    type Row = { txid: Buffer; size: bigint; vsize: bigint; weight: bigint; fee: bigint; fee_rate: number; time: number; input_count: bigint; output_count: bigint; value_out: bigint };
    const txs = (this.s.mempoolTxs.all(v.id, min, limit) as Row[]).map(
      (r): MempoolTx => ({
        txid: hex(r.txid),
        size: Number(r.size),
        vsize: Number(r.vsize),
        weight: Number(r.weight),
        fee: r.fee,
        feeRate: r.fee_rate,
        time: r.time,
        inputCount: Number(r.input_count),
        outputCount: Number(r.output_count),
        valueOut: r.value_out,
      }),
    );
    const t = this.s.mempoolTotals.get(v.id, min) as { count: bigint; vsize: bigint; fees: bigint };
    return { count: Number(t.count), vsize: Number(t.vsize), fees: t.fees, txs };
  }

  /** Stored attack reports, newest first, without their report bodies; `before` is an id cursor. */
  attackReports(o: { limit?: number; before?: number } = {}): AttackReportSummary[] {
    const limit = checkLimit(o.limit, 50);
    const before = o.before === undefined ? Number.MAX_SAFE_INTEGER : checkHeight(o.before, 'before');
    const rows = this.s.attackReports.all(before, limit) as (Omit<AttackReportSummary, 'params'> & { params: string })[];
    return rows.map((r) => ({ ...r, params: JSON.parse(r.params) as unknown }));
  }

  /** One attack report with its parameters and body, or null for an unknown id. */
  attackReport(id: number): AttackReportRecord | null {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) throw new InputError('bad-id', `id: expected a positive integer, got ${String(id)}`);
    const r = this.s.attackReport.get(id) as (Omit<AttackReportRecord, 'params' | 'report'> & { params: string; report: string }) | undefined;
    if (!r) return null;
    return { ...r, params: JSON.parse(r.params) as unknown, report: JSON.parse(r.report) as unknown };
  }

  /** The database this reads (for tests and tools that check invariants). */
  get database(): Db {
    return this.db;
  }
}

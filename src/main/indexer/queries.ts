// Explorer queries over the index, each answered "as view X sees it": blocks, transactions, addresses, tips, reorgs, mempool; and attack reports.

import type Database from 'better-sqlite3';
import { InputError } from '../core/errors.ts';
import type { ReorgPayload } from './ingest.ts';

type Db = Database.Database;
type Statement = Database.Statement;

/** A block's status in one view; 'unseen' when another view stored it and this one never reported it. */
import type { BlockStatus, BlockSummary, BlockInfo, TxInput, TxOutput, TxInfo, AddressUtxo, AddressHistoryItem, AddressInfo, SearchResult, ChainTip, TreeBlock, ReorgRecord, MempoolTx, MempoolInfo, AttackReportSummary, AttackReportRecord } from '../../shared/explorer.ts';
export type { BlockStatus, BlockSummary, BlockInfo, TxInput, TxOutput, TxInfo, AddressUtxo, AddressHistoryItem, AddressInfo, SearchResult, ChainTip, TreeBlock, ReorgRecord, MempoolTx, MempoolInfo, AttackReportSummary, AttackReportRecord } from '../../shared/explorer.ts';

/** A block with one page of its txids (the paging fields live on BlockInfo, shared with the renderer). */
export type BlockPage = BlockInfo;

const HASH_RE = /^[0-9a-fA-F]{64}$/;
const MAX_LIMIT = 1000;
const MAX_TREE_SPAN = 2000;

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function blob(h: string): Buffer {
  return Buffer.from(h, 'hex');
}

function checkHash(value: unknown, what: string): string {
  if (typeof value !== 'string' || !HASH_RE.test(value)) {
    throw new InputError(`bad-${what}`, `${what}: expected 64 hex characters, got ${JSON.stringify(value)}`);
  }
  return value.toLowerCase();
}

function checkLimit(limit: unknown, fallback: number): number {
  const n = limit ?? fallback;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw new InputError('bad-limit', `limit: expected an integer in 1..${MAX_LIMIT}, got ${String(limit)}`);
  return n;
}

function checkHeight(h: unknown, what: string): number {
  if (typeof h !== 'number' || !Number.isSafeInteger(h) || h < 0) throw new InputError('bad-height', `${what}: expected a non-negative integer, got ${String(h)}`);
  return h;
}

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

/** Every column of blocks but the raw block, which a query never needs (and which spans many overflow pages). */
const BLOCK_COLUMNS = (b: string): string =>
  ['id', 'hash', 'prev_id', 'height', 'version', 'merkle_root', 'time', 'bits', 'nonce', 'chain_work', 'has_data', 'size', 'weight', 'tx_count'].map((c) => `${b}.${c}`).join(', ');

/** The prepared statements the queries use. */
function prepareStatements(db: Db) {
  const p = (sql: string): Statement => db.prepare(sql);
  const activeJoin = (v: string, b: string) => `JOIN view_blocks ${v} ON ${v}.view_id = ? AND ${v}.height = ${b}.height AND ${v}.block_id = ${b}.id`;
  return {
    view: p('SELECT v.id, b.height AS tipHeight FROM views v LEFT JOIN blocks b ON b.id = v.tip_block_id WHERE v.name = ?'),
    viewNames: p('SELECT name FROM views ORDER BY id').pluck(),
    latest: p(`SELECT b.hash, b.height, b.time, b.tx_count, b.size, b.weight FROM view_blocks vb JOIN blocks b ON b.id = vb.block_id
      WHERE vb.view_id = ? AND vb.height < ? ORDER BY vb.height DESC LIMIT ?`),
    blockByHash: p(`SELECT ${BLOCK_COLUMNS('blocks')} FROM blocks WHERE hash = ?`),
    blockById: p(`SELECT ${BLOCK_COLUMNS('blocks')} FROM blocks WHERE id = ?`),
    blockAtHeight: p(`SELECT ${BLOCK_COLUMNS('b')} FROM view_blocks vb JOIN blocks b ON b.id = vb.block_id WHERE vb.view_id = ? AND vb.height = ?`),
    activeAt: p('SELECT block_id FROM view_blocks WHERE view_id = ? AND height = ?').pluck(),
    status: p('SELECT status, code FROM block_status WHERE view_id = ? AND block_id = ?'),
    hashById: p('SELECT hash FROM blocks WHERE id = ?').pluck(),
    blockTxids: p('SELECT x.txid FROM txs t JOIN txids x ON x.id = t.txid_id WHERE t.block_id = ? AND t.position >= ? ORDER BY t.position LIMIT ?').pluck(),
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
    addressId: p('SELECT id FROM addresses WHERE address = ?').pluck(),
    /** Every address_io row of an address whose block is on the view's best chain: coins received and spent. */
    addressRows: p(`SELECT a.n, a.coin_txid_id, a.coin_vout, a.value, a.height, a.position, CASE WHEN a.n >= 0 THEN a.txid END FROM address_io a
      CROSS JOIN view_blocks vb ON vb.view_id = @view AND vb.height = a.height AND vb.block_id = a.block_id WHERE a.address_id = @address`).raw(),
    /** One page of an address's history in the view, newest first: a keyset range of address_io grouped by transaction. */
    addressHistory: p(`SELECT h.height, h.position, h.delta, h.txid, b.hash FROM (
        SELECT a.height, a.position, a.block_id, a.txid, sum(CASE WHEN a.n >= 0 THEN a.value ELSE -a.value END) AS delta FROM address_io a
        CROSS JOIN view_blocks vb ON vb.view_id = @view AND vb.height = a.height AND vb.block_id = a.block_id
        WHERE a.address_id = @address AND (a.height, a.position) < (@height, @position)
        GROUP BY a.height, a.position ORDER BY a.height DESC, a.position DESC LIMIT @limit
      ) h JOIN blocks b ON b.id = h.block_id ORDER BY h.height DESC, h.position DESC`).safeIntegers(true),
    txidRange: p('SELECT txid FROM txids WHERE txid BETWEEN ? AND ? ORDER BY txid LIMIT ?').pluck(),
    blockHashRange: p('SELECT hash, height FROM blocks WHERE hash BETWEEN ? AND ? ORDER BY hash LIMIT ?'),
    tips: p(`SELECT b.id, b.hash, b.height FROM block_status s JOIN blocks b ON b.id = s.block_id WHERE s.view_id = ?
      AND NOT EXISTS (SELECT 1 FROM blocks c JOIN block_status cs ON cs.view_id = s.view_id AND cs.block_id = c.id WHERE c.prev_id = b.id)`),
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

  constructor(db: Db) {
    this.db = db;
    this.s = prepareStatements(db);
  }

  /** Names of every view the index has. */
  views(): string[] {
    return this.s.viewNames.all() as string[];
  }

  private view(name: unknown): { id: number; tipHeight: number } {
    if (typeof name !== 'string') throw new InputError('unknown-view', `view: expected a node id, got ${typeof name}`);
    const row = this.s.view.get(name) as { id: number; tipHeight: number | null } | undefined;
    if (!row) throw new InputError('unknown-view', `unknown view ${JSON.stringify(name)}: expected one of ${this.views().join(', ')}`);
    return { id: row.id, tipHeight: row.tipHeight ?? -1 };
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
   * A transaction: every stored block holding it, and whether the view's best chain holds one of them. Inputs
   * carry the value and address of the outputs they spend; outputs carry their spender in the view.
   */
  tx(viewName: string, txid: string): TxInfo | null {
    const v = this.view(viewName);
    const id = this.s.txidId.get(blob(checkHash(txid, 'txid'))) as number | undefined;
    if (id === undefined) return null;
    const copies = (this.s.txCopies.all(v.id, id) as TxRow[]).map((r) => ({
      ...r,
      id: Number(r.id),
      block_id: Number(r.block_id),
      height: Number(r.height),
      position: Number(r.position),
      active: Number(r.active),
    }));
    const chosen = copies.find((c) => c.active === 1) ?? copies[0];
    if (!chosen) return null; // known only as the coin an input spends
    const confirmed = chosen.active === 1;
    const firstIn = Number(chosen.first_input_id);
    const firstOut = Number(chosen.first_output_id);
    const inputs = (this.s.inputs.all(firstIn, firstIn + Number(chosen.input_count) - 1) as { vin: number; prev_txid_id: number | null; prev_vout: number; sequence: number; prev_txid: Buffer | null }[]).map((i): TxInput => {
      if (i.prev_txid_id === null) return { vin: i.vin, coinbase: true, prevTxid: null, prevVout: null, value: null, address: null, sequence: i.sequence };
      const prev = this.s.prevOutput.get(i.prev_vout, i.prev_txid_id, i.prev_vout) as { value: bigint; address: string | null } | undefined;
      return { vin: i.vin, coinbase: false, prevTxid: hex(i.prev_txid!), prevVout: i.prev_vout, value: prev?.value ?? null, address: prev?.address ?? null, sequence: i.sequence };
    });
    const outputs = (this.s.outputs.all(firstOut, firstOut + Number(chosen.output_count) - 1) as { vout: bigint; value: bigint; script: Buffer; type: string; address: string | null }[]).map((o): TxOutput => {
      const vout = Number(o.vout);
      const sp = this.s.spender.get(v.id, id, vout) as { txid: Buffer; vin: number; height: number } | undefined;
      return { vout, value: o.value, type: o.type, address: o.address, scriptHex: hex(o.script), spentBy: sp ? { txid: hex(sp.txid), vin: sp.vin, height: sp.height } : null };
    });
    return {
      txid: txid.toLowerCase(),
      size: Number(chosen.size),
      vsize: Number(chosen.vsize),
      weight: Number(chosen.weight),
      fee: chosen.fee,
      isCoinbase: Number(chosen.is_coinbase) === 1,
      confirmed,
      block: confirmed ? { hash: hex(chosen.hash), height: chosen.height, position: chosen.position } : null,
      confirmations: confirmed ? v.tipHeight - chosen.height + 1 : 0,
      blocks: copies.map((c) => ({ hash: hex(c.hash), height: c.height, position: c.position, status: this.statusOf(v.id, c.block_id).status })),
      inputs,
      outputs,
    };
  }

  /**
   * An address as the view sees it: outputs to it in the view's best chain, spent or not by that chain.
   * History is newest first, paged by the opaque cursor `before` (from `next`).
   */
  address(viewName: string, address: string, o: { limit?: number; before?: string } = {}): AddressInfo | null {
    const v = this.view(viewName);
    if (typeof address !== 'string' || !/^[0-9A-Za-z]{1,100}$/.test(address)) {
      throw new InputError('bad-address', `address: expected 1-100 letters and digits, got ${JSON.stringify(address)}`);
    }
    const limit = checkLimit(o.limit, 50);
    let cursor: [number, number] | null = null;
    if (o.before !== undefined) {
      const m = /^(\d+):(\d+)$/.exec(o.before);
      if (!m) throw new InputError('bad-cursor', `before: expected a cursor "height:position", got ${JSON.stringify(o.before)}`);
      cursor = [Number(m[1]), Number(m[2])];
    }
    const addressId = this.s.addressId.get(address) as number | undefined;
    if (addressId === undefined) return null;
    // Totals and UTXOs: one range scan of the address's rows in the view (n >= 0 received, n < 0 spent).
    const rows = this.s.addressRows.all({ view: v.id, address: addressId }) as [number, number, number, number, number, number, Buffer | null][];
    let received = 0n;
    let sent = 0n;
    let txCount = 0;
    const spent = new Set<string>();
    for (let i = 0; i < rows.length; i++) {
      const [n, coinTxid, coinVout, value, height, position] = rows[i]!;
      if (n < 0) {
        sent += BigInt(value);
        spent.add(`${coinTxid}:${coinVout}`);
      } else received += BigInt(value);
      const prev = rows[i - 1];
      if (!prev || prev[4] !== height || prev[5] !== position) txCount++;
    }
    const utxos: AddressUtxo[] = [];
    for (const [n, coinTxid, coinVout, value, height, , txid] of rows) {
      if (n >= 0 && !spent.has(`${coinTxid}:${coinVout}`)) utxos.push({ txid: hex(txid!), vout: coinVout, value: BigInt(value), height });
    }
    utxos.sort((a, b) => b.height - a.height || (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : a.vout - b.vout));
    const [height, position] = cursor ?? [Number.MAX_SAFE_INTEGER, 0];
    const page = this.s.addressHistory.all({ view: v.id, address: addressId, height, position, limit: limit + 1 }) as { height: bigint; position: bigint; delta: bigint; txid: Buffer; hash: Buffer }[];
    const history = page.slice(0, limit).map((h): AddressHistoryItem => ({ txid: hex(h.txid), height: Number(h.height), position: Number(h.position), blockHash: hex(h.hash), delta: h.delta }));
    const last = history[history.length - 1];
    return {
      address,
      balance: received - sent,
      received,
      sent,
      txCount,
      utxos,
      history,
      next: page.length > limit && last ? `${last.height}:${last.position}` : null,
    };
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
    const rows = this.s.tips.all(v.id) as { id: number; hash: Buffer; height: number }[];
    const tipId = v.tipHeight >= 0 ? (this.s.activeAt.get(v.id, v.tipHeight) as number | undefined) : undefined;
    if (tipId !== undefined && !rows.some((r) => r.id === tipId)) {
      const r = this.s.blockById.get(tipId) as BlockRow;
      rows.push({ id: r.id, hash: r.hash, height: r.height });
    }
    const tips: ChainTip[] = [];
    for (const r of rows) {
      if (r.id === tipId) {
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

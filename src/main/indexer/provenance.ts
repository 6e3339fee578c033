// Coin provenance over the explorer index, "as view X sees it": ancestry to coinbases, descendants, and taint under three policies.

import type Database from 'better-sqlite3';
import { InputError } from '../core/errors.ts';
import { attribute, type AncestryGraph, type TaintMatch } from './provenance-taint.ts';
import { prepareWalkStatements, walkAncestry, WALK_BATCH, type AncestryTx, type WalkStatements } from './provenance-walk.ts';
import { StoredBlocks } from './stored-blocks.ts';

type Db = Database.Database;
type Statement = Database.Statement;

import type { ProvenanceBounds, BlockRef, AncestryNode, DescendantEdge, AncestryCoinbase, Ancestry, DescendantNode, DescendantCoin, Descendants, TaintPolicy, TaintSource, Taint } from '../../shared/explorer.ts';
export type { ProvenanceBounds, BlockRef, AncestryNode, AncestryEdge, DescendantEdge, AncestryCoinbase, Ancestry, DescendantNode, DescendantCoin, Descendants, TaintPolicy, TaintSource, TaintOrigin, Taint } from '../../shared/explorer.ts';

const COIN_RE = /^([0-9a-fA-F]{64}):(\d{1,10})$/;
const HASH_RE = /^[0-9a-fA-F]{64}$/;
const ADDRESS_RE = /^[0-9A-Za-z]{1,100}$/;
const POLICIES: readonly TaintPolicy[] = ['poison', 'haircut', 'fifo'];
const DEFAULT_MAX_DEPTH = 50;
const DEFAULT_MAX_NODES = 10_000;
/** Upper bounds on the bounds, so a caller cannot ask for an unbounded walk. */
const LIMIT_MAX_DEPTH = 100_000;
const LIMIT_MAX_NODES = 1_000_000;

/** Parses 'txid:vout' (display-order txid, vout < 2^32); returns the lower-cased txid and the vout. */
export function parseCoin(coin: unknown): { txid: string; vout: number } {
  const m = typeof coin === 'string' ? COIN_RE.exec(coin) : null;
  const vout = m ? Number(m[2]) : NaN;
  if (!m || vout > 0xffffffff) throw new InputError('bad-coin', `coin: expected "txid:vout" (64 hex characters, a colon, an output index), got ${JSON.stringify(coin)}`);
  return { txid: m[1]!.toLowerCase(), vout };
}

function checkBound(value: unknown, fallback: number, min: number, max: number, what: string): number {
  const n = value ?? fallback;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw new InputError('bad-limit', `${what}: expected an integer in ${min}..${max}, got ${String(value)}`);
  return n;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** A transaction confirmed in the view's best chain, with its place in it (`row`: its txs row id). */
type TxRef = Pick<AncestryTx, 'txid' | 'isCoinbase' | 'position' | 'firstInput' | 'inputCount' | 'firstOutput' | 'outputCount' | 'block'> & { row: number };

interface TxRowRaw {
  row: bigint;
  is_coinbase: bigint;
  position: bigint;
  first_input_id: bigint;
  input_count: bigint;
  first_output_id: bigint;
  output_count: bigint;
  block_id: bigint;
}

/** A transaction's columns as `spenders` returns them: id, is_coinbase, position, first_input_id, input_count, first_output_id, output_count, block_id. */
type TxColumns = [number, number, number, number, number, number, number, number];
/** `spenders` row: vout, value, address, spender txid, the spender's TxColumns (nulls when unspent), spender txid id. */
type SpenderRow = [number, number, string | null, Buffer | null, ...(TxColumns | [null, null, null, null, null, null, null, null]), number | null];

/** SQL for "block b is on view @view's best chain". */
const ACTIVE = (b: string) => `EXISTS (SELECT 1 FROM view_blocks vb WHERE vb.view_id = @view AND vb.height = ${b}.height AND vb.block_id = ${b}.id)`;

function prepareStatements(db: Db) {
  const p = (sql: string): Statement => db.prepare(sql);
  return {
    view: p('SELECT id FROM views WHERE name = ?').pluck(),
    viewNames: p('SELECT name FROM views ORDER BY id').pluck(),
    txidId: p('SELECT id FROM txids WHERE txid = ?').pluck(),
    /** The copy of a transaction in the view's best chain. */
    confirmed: p(`SELECT t.id AS row, t.is_coinbase, t.position, t.first_input_id, t.input_count, t.first_output_id, t.output_count,
      b.id AS block_id FROM txs t JOIN blocks b ON b.id = t.block_id
      WHERE t.txid_id = @txid AND ${ACTIVE('b')} LIMIT 1`).safeIntegers(true),
    outputs: p(`SELECT o.vout, o.value, a.address FROM outputs o LEFT JOIN addresses a ON a.id = o.address_id
      WHERE o.id BETWEEN @lo AND @hi ORDER BY o.id`).safeIntegers(true),
    blockRef: p('SELECT hash, height FROM blocks WHERE id = ?'),
    tipHeight: p('SELECT (SELECT height FROM blocks WHERE id = tip_block_id) FROM views WHERE id = ?').pluck(),
    /** Addresses of outputs by id (a JSON array); CROSS JOIN keeps the id list as the outer loop. */
    addressesOf: p('SELECT o.id, a.address FROM json_each(@ids) r CROSS JOIN outputs o ON o.id = r.value LEFT JOIN addresses a ON a.id = o.address_id').raw(true),
    /** A transaction's outputs, each with every stored input spending it (one row per spender; the caller keeps the view's). */
    spenders: p(`SELECT o.vout, o.value, a.address, sx.txid, st.id, st.is_coinbase, st.position, st.first_input_id, st.input_count,
      st.first_output_id, st.output_count, st.block_id, st.txid_id
      FROM outputs o LEFT JOIN addresses a ON a.id = o.address_id
      LEFT JOIN inputs si ON si.prev_txid_id = @txid AND si.prev_vout = o.vout
      LEFT JOIN txs st ON st.id = si.tx_id
      LEFT JOIN txids sx ON sx.id = st.txid_id
      WHERE o.id BETWEEN @lo AND @hi ORDER BY o.id`).raw(true),
  };
}

/**
 * Provenance queries. Every answer is "as the view sees it": only transactions confirmed in the view's best
 * chain count (a transaction of a stale block is never an ancestor, spender or origin); the mempool is out of
 * scope. Unknown views and malformed input throw InputError; a well-formed coin the view does not have
 * confirmed answers null.
 */
export class Provenance {
  private readonly db: Db;
  private readonly s: ReturnType<typeof prepareStatements>;
  private readonly w: WalkStatements;
  private readonly blocks = new Map<number, BlockRef>();
  private readonly stored: StoredBlocks;

  constructor(db: Db) {
    this.db = db;
    this.s = prepareStatements(db);
    this.w = prepareWalkStatements(db);
    this.stored = new StoredBlocks(db);
  }

  /** The transaction graph backwards from the coin to the coinbases it came from, breadth-first, bounded. */
  ancestry(viewName: string, coin: string, bounds: ProvenanceBounds = {}): Ancestry | null {
    const g = this.ancestryGraph(viewName, coin, bounds);
    if (!g) return null;
    const nodes: AncestryNode[] = [];
    const coinbases: AncestryCoinbase[] = [];
    const coinbaseNodes = g.order.filter((n) => n.isCoinbase);
    const miners = new Map<number, string | null>();
    for (let i = 0; i < coinbaseNodes.length; i += WALK_BATCH) {
      const ids = coinbaseNodes.slice(i, i + WALK_BATCH).map((n) => n.firstOutput);
      for (const [id, address] of this.s.addressesOf.all({ ids: JSON.stringify(ids) }) as [number, string | null][]) miners.set(id, address);
    }
    for (const n of g.order) {
      nodes.push({ id: n.txid, depth: n.depth, isCoinbase: n.isCoinbase, block: n.block, expanded: n.firstEdge >= 0 });
      if (n.isCoinbase) coinbases.push({ txid: n.txid, height: n.block.height, value: BigInt(n.drawn), block: n.block, miner: miners.get(n.firstOutput) ?? null });
    }
    return { coin: g.coin, value: g.value, nodes, edges: g.edges, coinbases, truncated: g.truncated };
  }

  /** Where the coin went: its spender in the view's best chain, that transaction's outputs' spenders, and so on. */
  descendants(viewName: string, coin: string, bounds: ProvenanceBounds = {}): Descendants | null {
    const viewId = this.viewId(viewName);
    const { txid, vout } = parseCoin(coin);
    const maxDepth = checkBound(bounds.maxDepth, DEFAULT_MAX_DEPTH, 0, LIMIT_MAX_DEPTH, 'maxDepth');
    const maxNodes = checkBound(bounds.maxNodes, DEFAULT_MAX_NODES, 1, LIMIT_MAX_NODES, 'maxNodes');
    return this.db.transaction(() => this.walkDescendants(viewId, txid, vout, maxDepth, maxNodes))();
  }

  private walkDescendants(viewId: number, txid: string, vout: number, maxDepth: number, maxNodes: number): Descendants | null {
    const root = this.confirmedTx(viewId, txid);
    if (!root || vout >= root.ref.outputCount) return null;
    const key = `${txid}:${vout}`;

    const value = (this.s.outputs.get({ lo: root.ref.firstOutput + vout, hi: root.ref.firstOutput + vout }) as { value: bigint }).value;
    const nodes: DescendantNode[] = [];
    const edges: DescendantEdge[] = [];
    const unspent: DescendantCoin[] = [];
    const seen = new Set<string>();
    let truncated = false;
    let full = false;
    // Breadth-first over (transaction, range of its outputs) whose spenders are looked up; `depth` is theirs.
    const queue: { txidId: number; txid: string; lo: number; hi: number; depth: number; node: DescendantNode | null }[] = [
      { txidId: root.txidId, txid, lo: root.ref.firstOutput + vout, hi: root.ref.firstOutput + vout, depth: 1, node: null },
    ];
    const active = this.bestChainBlocks(viewId);
    for (let head = 0; head < queue.length; head++) {
      const item = queue[head]!;
      const outs = this.spendersOf(item.txidId, item.lo, item.hi, active);
      const fresh = new Set<string>();
      for (const o of outs) if (o.spender && !seen.has(o.spender.txid)) fresh.add(o.spender.txid);
      const over = nodes.length + fresh.size > maxNodes;
      if (outs.some((o) => o.spender !== null) && (item.depth > maxDepth || full || over)) {
        // A bound cuts the walk here: this transaction's spenders are not followed.
        truncated = true;
        if (over) full = true;
        if (item.node) item.node.expanded = false;
        continue;
      }
      for (const o of outs) {
        const out = `${item.txid}:${o.vout}`;
        if (o.spender === null) {
          unspent.push({ coin: out, value: o.value, address: o.address });
          continue;
        }
        const { txid: spender, txidId, ref } = o.spender;
        edges.push({ from: out, to: spender, value: o.value, address: o.address });
        if (seen.has(spender)) continue;
        seen.add(spender);
        const node: DescendantNode = { id: spender, depth: item.depth, block: ref.block, expanded: true };
        nodes.push(node);
        queue.push({ txidId, txid: spender, lo: ref.firstOutput, hi: ref.firstOutput + ref.outputCount - 1, depth: item.depth + 1, node });
      }
    }
    return { coin: key, value, nodes, edges, unspent, truncated };
  }

  /**
   * How much of the coin is attributed to `source` (a transaction, or an address), walking its ancestry
   * within `bounds`. Policies:
   *
   * - poison: all or nothing. The coin is fully tainted when the source is on its ancestry: a source
   *   transaction is one of the ancestry's nodes (the coin's own transaction included), or a source address
   *   is paid by an output the ancestry runs through (an edge's spent output, or the coin itself).
   *   `byOrigin` reports the haircut split, since poison itself says nothing about shares.
   * - haircut: value flows proportionally. Every output of a transaction inherits the mix of its inputs
   *   in proportion to value (the fee is taken proportionally too): output j of a transaction with input
   *   total T receives, from each label l (origin, tainted or not) of amount a_l, the share a_l * o_j / T,
   *   rounded by the largest-remainder rule: each share is floored, then the satoshis the floors left out
   *   (fewer than the number of labels) go one each to the labels with the largest remainders, ties to the
   *   lower label. Each output's shares therefore sum exactly to its value, and the coin's shares by origin
   *   sum exactly to the coin's value.
   * - fifo: the inputs, in input order, form one stream of satoshis, each carrying its label; the outputs, in
   *   output order, take consecutive slices of that stream (first in, first out); the fee is the stream's
   *   tail. Exact in integers.
   *
   * Under haircut and fifo an output of a source transaction, or an output paying a source address, is
   * tainted entirely where it is created; the taint then flows with the policy's rule. Origins are the
   * coinbases; when a bound truncates the walk, unexpanded frontier transactions are origins too.
   */
  taint(viewName: string, coin: string, source: TaintSource, policy: TaintPolicy, bounds: ProvenanceBounds = {}): Taint | null {
    const match = checkSource(source);
    if (!POLICIES.includes(policy)) throw new InputError('bad-policy', `policy: expected one of ${POLICIES.join(', ')}, got ${JSON.stringify(policy)}`);
    return this.db.transaction(() => {
      const g = this.ancestryGraph(viewName, coin, bounds);
      return g ? attribute(g, match, policy, (lo, hi) => this.s.outputs.all({ lo, hi }) as { value: bigint; address: string | null }[]) : null;
    })();
  }

  // ---- walking ----

  private viewId(name: unknown): number {
    if (typeof name !== 'string') throw new InputError('unknown-view', `view: expected a node id, got ${typeof name}`);
    const id = this.s.view.get(name) as number | undefined;
    if (id === undefined) throw new InputError('unknown-view', `unknown view ${JSON.stringify(name)}: expected one of ${(this.s.viewNames.all() as string[]).join(', ')}`);
    return id;
  }

  private confirmedTx(viewId: number, txid: string): { ref: TxRef; txidId: number } | null {
    const txidId = this.s.txidId.get(Buffer.from(txid, 'hex')) as number | undefined;
    if (txidId === undefined) return null;
    const row = this.s.confirmed.get({ view: viewId, txid: txidId }) as TxRowRaw | undefined;
    return row ? { ref: this.txRef(txid, row), txidId } : null;
  }

  private txRef(txid: string, r: TxRowRaw): TxRef {
    return {
      txid,
      row: Number(r.row),
      isCoinbase: Number(r.is_coinbase) === 1,
      position: Number(r.position),
      firstInput: Number(r.first_input_id),
      inputCount: Number(r.input_count),
      firstOutput: Number(r.first_output_id),
      outputCount: Number(r.output_count),
      block: this.blockRef(Number(r.block_id)),
    };
  }

  /** TxColumns from a raw row, starting at column `at`. */
  private txRefAt(txid: string, r: readonly unknown[], at: number): TxRef {
    return {
      txid,
      row: r[at] as number,
      isCoinbase: r[at + 1] === 1,
      position: r[at + 2] as number,
      firstInput: r[at + 3] as number,
      inputCount: r[at + 4] as number,
      firstOutput: r[at + 5] as number,
      outputCount: r[at + 6] as number,
      block: this.blockRef(r[at + 7] as number),
    };
  }

  /** Hash and height of a stored block; cached, since blocks are immutable and a block id always names the same block. */
  private blockRef(blockId: number): BlockRef {
    let block = this.blocks.get(blockId);
    if (!block) {
      const r = this.s.blockRef.get(blockId) as { hash: Buffer; height: number };
      block = { hash: hex(r.hash), height: r.height };
      this.blocks.set(blockId, block);
    }
    return block;
  }

  /**
   * For one walk (views move between walks): a block's reference when the block is on the view's best chain,
   * else null; cached per block. Make it inside the walk's read transaction.
   */
  private bestChainBlocks(viewId: number): (blockId: number) => BlockRef | null {
    const tipHeight = (this.s.tipHeight.get(viewId) as number | null) ?? -1;
    const test = this.stored.activeTest(viewId, tipHeight);
    const cache = new Map<number, BlockRef | null>();
    return (blockId) => {
      let block = cache.get(blockId);
      if (block === undefined) {
        block = this.blockRef(blockId);
        if (!test(block.height, blockId)) block = null;
        cache.set(blockId, block);
      }
      return block;
    };
  }

  /** A transaction's outputs in [lo, hi] with their spender on the view's best chain (null when unspent there). */
  private spendersOf(txidId: number, lo: number, hi: number, active: (blockId: number) => BlockRef | null) {
    const rows = this.s.spenders.all({ txid: txidId, lo, hi }) as SpenderRow[];
    const outs: { vout: number; value: bigint; address: string | null; spender: { txid: string; txidId: number; ref: TxRef } | null }[] = [];
    for (const r of rows) {
      let last = outs[outs.length - 1];
      if (!last || last.vout !== r[0]) {
        last = { vout: r[0], value: BigInt(r[1]), address: r[2], spender: null };
        outs.push(last);
      }
      if (r[3] !== null && last.spender === null && active(r[11] as number) !== null) {
        const txid = hex(r[3]);
        last.spender = { txid, txidId: r[12] as number, ref: this.txRefAt(txid, r, 4) };
      }
    }
    return outs;
  }

  /**
   * The coin's ancestry (see walkAncestry), read in one transaction: one snapshot of the index. Null when the
   * view does not have the coin confirmed.
   */
  private ancestryGraph(viewName: string, coin: string, bounds: ProvenanceBounds): AncestryGraph | null {
    const viewId = this.viewId(viewName);
    const { txid, vout } = parseCoin(coin);
    const maxDepth = checkBound(bounds.maxDepth, DEFAULT_MAX_DEPTH, 0, LIMIT_MAX_DEPTH, 'maxDepth');
    const maxNodes = checkBound(bounds.maxNodes, DEFAULT_MAX_NODES, 1, LIMIT_MAX_NODES, 'maxNodes');
    return this.db.transaction((): AncestryGraph | null => {
      const root = this.confirmedTx(viewId, txid);
      if (!root || vout >= root.ref.outputCount) return null;
      const { ref } = root;
      const value = (this.s.outputs.get({ lo: ref.firstOutput + vout, hi: ref.firstOutput + vout }) as { value: bigint }).value;
      const coinTx: AncestryTx = {
        txid,
        txidId: root.txidId,
        isCoinbase: ref.isCoinbase,
        position: ref.position,
        firstInput: ref.firstInput,
        inputCount: ref.inputCount,
        firstOutput: ref.firstOutput,
        outputCount: ref.outputCount,
        block: ref.block,
        depth: 0,
        drawn: Number(value),
        firstEdge: -1,
      };
      return { coin: `${txid}:${vout}`, value, ...walkAncestry(this.w, coinTx, this.bestChainBlocks(viewId), maxDepth, maxNodes) };
    })();
  }
}

function checkSource(source: unknown): TaintMatch {
  if (typeof source === 'object' && source !== null) {
    if ('txid' in source) {
      const txid = (source as { txid: unknown }).txid;
      if (typeof txid !== 'string' || !HASH_RE.test(txid)) throw new InputError('bad-txid', `source txid: expected 64 hex characters, got ${JSON.stringify(txid)}`);
      return { txid: txid.toLowerCase() };
    }
    if ('address' in source) {
      const address = (source as { address: unknown }).address;
      if (typeof address !== 'string' || !ADDRESS_RE.test(address)) throw new InputError('bad-address', `source address: expected 1-100 letters and digits, got ${JSON.stringify(address)}`);
      return { address };
    }
  }
  throw new InputError('bad-source', `source: expected { txid } or { address }, got ${JSON.stringify(source)}`);
}

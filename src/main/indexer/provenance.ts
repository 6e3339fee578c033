// Coin provenance over the explorer index, "as view X sees it": ancestry to coinbases, descendants, and taint under three policies.

import type Database from 'better-sqlite3';
import { InputError } from '../core/errors.ts';
import { StoredBlocks } from './stored-blocks.ts';

type Db = Database.Database;
type Statement = Database.Statement;

import type { ProvenanceBounds, BlockRef, AncestryNode, AncestryEdge, DescendantEdge, AncestryCoinbase, Ancestry, DescendantNode, DescendantCoin, Descendants, TaintPolicy, TaintSource, TaintOrigin, Taint } from '../../shared/explorer.ts';
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

/** A transaction confirmed in the view's best chain, with its place in it. */
interface TxRef {
  txid: string;
  row: number;
  isCoinbase: boolean;
  position: number;
  firstInput: number;
  inputCount: number;
  firstOutput: number;
  outputCount: number;
  block: BlockRef;
}

interface Node extends TxRef {
  txidId: number;
  depth: number;
  /**
   * Satoshis the graph draws from this transaction's outputs: its edges out (or the coin itself). A number:
   * each output is drawn at most once, so this is at most the transaction's output total, below 2^53.
   */
  drawn: number;
  /** Its inputs as edges, in vin order, once expanded. */
  inputs: AncestryEdge[] | null;
}

/** The ancestry as walked, before it is shaped for output; taint works on this. */
interface Graph {
  coin: string;
  coinTx: Node;
  value: bigint;
  address: string | null;
  order: Node[];
  truncated: boolean;
}

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

/** A transaction's columns as `copiesOf` and `spenders` return them: id, is_coinbase, position, first_input_id, input_count, first_output_id, output_count, block_id. */
type TxColumns = [number, number, number, number, number, number, number, number];
/** `spenders` row: vout, value, address, spender txid, the spender's TxColumns (nulls when unspent), spender txid id. */
type SpenderRow = [number, number, string | null, Buffer | null, ...(TxColumns | [null, null, null, null, null, null, null, null]), number | null];

/** Inputs fetched per statement while walking the ancestry. */
const BATCH_INPUTS = 4096;

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
    // The ancestry walk reads in batches by ids (JSON arrays), integers only: a BLOB per row costs more than the
    // lookups. CROSS JOIN keeps the id list as the outer loop (SQLite does not reorder a CROSS JOIN).
    /** Inputs by id: the txid id, vout and value of the coin each spends. */
    inputsOf: p('SELECT r.key, i.prev_txid_id, i.prev_vout, i.prev_value FROM json_each(@ids) r CROSS JOIN inputs i ON i.id = r.value').raw(true),
    /** Every stored copy (one per block) of the transactions with these txid ids, with the txid as hex (a string per row is cheaper than a Buffer). */
    copiesOf: p(`SELECT r.value, t.id, t.is_coinbase, t.position, t.first_input_id, t.input_count, t.first_output_id, t.output_count, t.block_id,
      lower(hex(x.txid)) FROM json_each(@ids) r CROSS JOIN txids x ON x.id = r.value CROSS JOIN txs t ON t.txid_id = r.value`).raw(true),
    /** Addresses of outputs by id (a JSON array). */
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
  private readonly blocks = new Map<number, BlockRef>();
  private readonly stored: StoredBlocks;

  constructor(db: Db) {
    this.db = db;
    this.s = prepareStatements(db);
    this.stored = new StoredBlocks(db);
  }

  /** The transaction graph backwards from the coin to the coinbases it came from, breadth-first, bounded. */
  ancestry(viewName: string, coin: string, bounds: ProvenanceBounds = {}): Ancestry | null {
    const g = this.walkAncestry(viewName, coin, bounds);
    if (!g) return null;
    const nodes: AncestryNode[] = [];
    const edges: AncestryEdge[] = [];
    const coinbases: AncestryCoinbase[] = [];
    const coinbaseNodes = g.order.filter((n) => n.isCoinbase);
    const miners = new Map<number, string | null>();
    for (let i = 0; i < coinbaseNodes.length; i += BATCH_INPUTS) {
      const ids = coinbaseNodes.slice(i, i + BATCH_INPUTS).map((n) => n.firstOutput);
      for (const [id, address] of this.s.addressesOf.all({ ids: JSON.stringify(ids) }) as [number, string | null][]) miners.set(id, address);
    }
    for (const n of g.order) {
      nodes.push({ id: n.txid, depth: n.depth, isCoinbase: n.isCoinbase, block: n.block, expanded: n.inputs !== null });
      if (n.inputs) for (const e of n.inputs) edges.push(e);
      if (n.isCoinbase) coinbases.push({ txid: n.txid, height: n.block.height, value: BigInt(n.drawn), block: n.block, miner: miners.get(n.firstOutput) ?? null });
    }
    return { coin: g.coin, value: g.value, nodes, edges, coinbases, truncated: g.truncated };
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
    const active = this.activeBlocks(viewId);
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
      const g = this.walkAncestry(viewName, coin, bounds);
      return g ? this.attribute(g, match, policy) : null;
    })();
  }

  /** Taint of the walked ancestry `g` (see taint). */
  private attribute(g: Graph, match: { txid?: string; address?: string }, policy: TaintPolicy): Taint {

    // Origins get label numbers in node order; label = 2 * origin + (tainted ? 1 : 0).
    const origins: Node[] = [];
    const originIndex = new Map<string, number>();
    for (const n of g.order) {
      if (n.inputs === null || n.isCoinbase) {
        originIndex.set(n.txid, origins.length);
        origins.push(n);
      }
    }
    // Parents before children: by height, then position in the block (both on the view's best chain).
    const topo = [...g.order].sort((a, b) => a.block.height - b.block.height || a.position - b.position);
    const needed = new Set<string>([g.coin]);
    for (const n of g.order) for (const e of n.inputs ?? []) needed.add(e.from);

    let poisoned = false;
    const mixes = new Map<string, Mix>();
    const flow = policy === 'fifo' ? flowFifo : flowHaircut;
    for (const n of topo) {
      const outs = this.s.outputs.all({ lo: n.firstOutput, hi: n.firstOutput + n.outputCount - 1 }) as { vout: bigint; value: bigint; address: string | null }[];
      const origin = originIndex.get(n.txid);
      const input: Mix = origin !== undefined ? [] : n.inputs!.flatMap((e) => mixes.get(e.from)!);
      const sourceTx = match.txid === n.txid;
      const perOutput = origin !== undefined ? null : flow(input, outs.map((o) => o.value), needed, n.txid);
      outs.forEach((o, vout) => {
        const key = `${n.txid}:${vout}`;
        if (!needed.has(key)) return;
        const isSource = sourceTx || (match.address !== undefined && o.address === match.address);
        if (isSource) poisoned = true;
        let mix: Mix = origin !== undefined ? [{ label: 2 * origin, amount: o.value }] : perOutput!.get(vout)!;
        if (isSource) mix = mix.map((s) => ({ label: s.label | 1, amount: s.amount }));
        mixes.set(key, mix);
      });
    }

    const coinMix = mixes.get(g.coin)!;
    const byIndex = new Map<number, TaintOrigin>();
    let tainted = 0n;
    for (const { label, amount } of coinMix) {
      const o = origins[label >> 1]!;
      const entry = byIndex.get(label >> 1) ?? { txid: o.txid, coinbase: o.isCoinbase, value: 0n, tainted: 0n };
      entry.value += amount;
      if (label & 1) {
        entry.tainted += amount;
        tainted += amount;
      }
      byIndex.set(label >> 1, entry);
    }
    if (policy === 'poison') {
      tainted = poisoned ? g.value : 0n;
      for (const e of byIndex.values()) e.tainted = poisoned ? e.value : 0n;
    }
    const byOrigin = [...byIndex.values()].filter((e) => e.value > 0n).sort((a, b) => (a.value === b.value ? (a.txid < b.txid ? -1 : 1) : a.value > b.value ? -1 : 1));
    const fraction = g.value === 0n ? 0 : Number((tainted * 1_000_000_000n) / g.value) / 1e9;
    return { coin: g.coin, value: g.value, policy, tainted, fraction, byOrigin, truncated: g.truncated };
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
   * A test "this block is on the view's best chain" for one walk (views move between walks), cached per block.
   * Make it inside the walk's read transaction.
   */
  private activeBlocks(viewId: number): (blockId: number) => boolean {
    const tipHeight = (this.s.tipHeight.get(viewId) as number | null) ?? -1;
    const test = this.stored.activeTest(viewId, tipHeight);
    const cache = new Map<number, boolean>();
    return (blockId) => {
      let active = cache.get(blockId);
      if (active === undefined) {
        active = test(this.blockRef(blockId).height, blockId);
        cache.set(blockId, active);
      }
      return active;
    };
  }

  /** A transaction's outputs in [lo, hi] with their spender on the view's best chain (null when unspent there). */
  private spendersOf(txidId: number, lo: number, hi: number, active: (blockId: number) => boolean) {
    const rows = this.s.spenders.all({ txid: txidId, lo, hi }) as SpenderRow[];
    const outs: { vout: number; value: bigint; address: string | null; spender: { txid: string; txidId: number; ref: TxRef } | null }[] = [];
    for (const r of rows) {
      let last = outs[outs.length - 1];
      if (!last || last.vout !== r[0]) {
        last = { vout: r[0], value: BigInt(r[1]), address: r[2], spender: null };
        outs.push(last);
      }
      if (r[3] !== null && last.spender === null && active(r[11] as number)) {
        const txid = hex(r[3]);
        last.spender = { txid, txidId: r[12] as number, ref: this.txRefAt(txid, r, 4) };
      }
    }
    return outs;
  }

  /**
   * Breadth-first from the coin's transaction through every input, in input order, fetching the inputs of
   * up to BATCH_INPUTS at a time. A node at maxDepth is not expanded; a node whose new parents would push the
   * graph past maxNodes is not expanded either, and the walk adds no further nodes (so every node's inputs
   * are all edges or none are). Runs in one read transaction: one snapshot of the index.
   */
  private walkAncestry(viewName: string, coin: string, bounds: ProvenanceBounds): Graph | null {
    const viewId = this.viewId(viewName);
    const { txid, vout } = parseCoin(coin);
    const maxDepth = checkBound(bounds.maxDepth, DEFAULT_MAX_DEPTH, 0, LIMIT_MAX_DEPTH, 'maxDepth');
    const maxNodes = checkBound(bounds.maxNodes, DEFAULT_MAX_NODES, 1, LIMIT_MAX_NODES, 'maxNodes');
    return this.db.transaction((): Graph | null => {
      const root = this.confirmedTx(viewId, txid);
      if (!root || vout >= root.ref.outputCount) return null;
      const out = this.s.outputs.get({ lo: root.ref.firstOutput + vout, hi: root.ref.firstOutput + vout }) as { value: bigint; address: string | null };
      const coinTx: Node = { ...root.ref, txidId: root.txidId, depth: 0, drawn: Number(out.value), inputs: null };
      const nodes = new Map<number, Node>([[root.txidId, coinTx]]);
      const order: Node[] = [coinTx];
      const active = this.activeBlocks(viewId);
      let truncated = false;
      let full = false;
      const expandable = (n: Node): boolean => !n.isCoinbase && n.depth < maxDepth && !full;
      const fresh = new Map<number, Node>(); // parents new to the graph, of the node being expanded
      for (let head = 0; head < order.length; ) {
        // The next run of known nodes, and the ids of the inputs of those to expand.
        const batch: Node[] = [];
        const fetched: boolean[] = [];
        const ids: number[] = [];
        for (; head < order.length && (ids.length === 0 || ids.length + order[head]!.inputCount <= BATCH_INPUTS); head++) {
          const n = order[head]!;
          batch.push(n);
          fetched.push(expandable(n));
          if (expandable(n)) for (let i = 0; i < n.inputCount; i++) ids.push(n.firstInput + i);
        }
        // 1. The inputs: which output each spends, and its value.
        const inputs = ids.length > 0 ? (this.s.inputsOf.all({ ids: JSON.stringify(ids) }) as [number, number | null, number, number | null][]) : [];
        if (inputs.length !== ids.length) throw new Error(`provenance: expected ${ids.length} input rows, got ${inputs.length}`);
        if (!inputs.every((r, i) => r[0] === i)) inputs.sort((x, y) => x[0] - y[0]);
        // 2. Every stored copy of each parent not yet in the graph; keep the copy on the view's best chain.
        const copies = new Map<number, Node | null>();
        for (const r of inputs) if (r[1] !== null && !nodes.has(r[1])) copies.set(r[1], null);
        if (copies.size > 0) {
          for (const r of this.s.copiesOf.all({ ids: JSON.stringify([...copies.keys()]) }) as [number, ...TxColumns, string][]) {
            if (copies.get(r[0]) !== null || !active(r[8])) continue;
            const node: Node = {
              txid: r[9],
              row: r[1],
              isCoinbase: r[2] === 1,
              position: r[3],
              firstInput: r[4],
              inputCount: r[5],
              firstOutput: r[6],
              outputCount: r[7],
              block: this.blockRef(r[8]),
              txidId: r[0],
              depth: 0, // set when it joins the graph
              drawn: 0,
              inputs: null,
            };
            copies.set(r[0], node);
          }
        }
        const refOf = (txidId: number | null): Node | null => (txidId === null ? null : (nodes.get(txidId) ?? copies.get(txidId) ?? null));

        let key = 0;
        for (const [b, n] of batch.entries()) {
          if (n.isCoinbase) {
            n.inputs = [];
            continue;
          }
          if (!expandable(n)) {
            truncated = true;
            if (fetched[b]) key += n.inputCount; // fetched before the graph filled up: skip its inputs
            continue;
          }
          fresh.clear();
          const edges: AncestryEdge[] = [];
          const firstKey = key;
          for (let vin = 0; vin < n.inputCount; vin++, key++) {
            const [, parentId, prevVout, prevValue] = inputs[key]!;
            const ref = refOf(parentId);
            if (parentId === null || !ref || prevValue === null || prevVout >= ref.outputCount) {
              throw new Error(`provenance: ${n.txid} input ${vin} spends an output the index does not hold confirmed in the view's best chain`);
            }
            let parent = nodes.get(parentId) ?? fresh.get(parentId);
            if (!parent) {
              parent = ref;
              parent.depth = n.depth + 1;
              fresh.set(parentId, parent);
            }
            edges.push({ from: `${parent.txid}:${prevVout}`, to: n.txid, value: BigInt(prevValue) });
          }
          if (nodes.size + fresh.size > maxNodes) {
            truncated = true;
            full = true;
            continue;
          }
          n.inputs = edges;
          for (const f of fresh.values()) {
            nodes.set(f.txidId, f);
            order.push(f);
          }
          for (let k = firstKey; k < key; k++) nodes.get(inputs[k]![1]!)!.drawn += inputs[k]![3]!;
        }
      }
      return { coin: `${txid}:${vout}`, coinTx, value: out.value, address: out.address, order, truncated };
    })();
  }
}

/** A composition of satoshis: amounts by label (origin and taint flag); ordered for fifo. */
type Mix = { label: number; amount: bigint }[];

function checkSource(source: unknown): { txid?: string; address?: string } {
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

function inputTotal(input: Mix): bigint {
  let t = 0n;
  for (const s of input) t += s.amount;
  return t;
}

function checkFunds(total: bigint, values: readonly bigint[], txid: string): void {
  let out = 0n;
  for (const v of values) out += v;
  if (out > total) throw new Error(`provenance: ${txid} creates ${out} satoshis from inputs of ${total}`);
}

/** FIFO: output j takes the slice [sum of earlier outputs, + its value) of the input stream. */
function flowFifo(input: Mix, values: readonly bigint[], needed: ReadonlySet<string>, txid: string): Map<number, Mix> {
  checkFunds(inputTotal(input), values, txid);
  const result = new Map<number, Mix>();
  let seg = 0;
  let used = 0n; // satoshis of input[seg] already taken
  values.forEach((value, vout) => {
    const mix: Mix = [];
    let want = value;
    while (want > 0n) {
      const s = input[seg]!;
      const take = s.amount - used < want ? s.amount - used : want;
      const last = mix[mix.length - 1];
      if (last && last.label === s.label) last.amount += take;
      else mix.push({ label: s.label, amount: take });
      want -= take;
      used += take;
      if (used === s.amount) {
        seg++;
        used = 0n;
      }
    }
    if (needed.has(`${txid}:${vout}`)) result.set(vout, mix);
  });
  return result;
}

/** Haircut: each needed output gets its proportional share of every label, by the largest-remainder rule. */
function flowHaircut(input: Mix, values: readonly bigint[], needed: ReadonlySet<string>, txid: string): Map<number, Mix> {
  const total = inputTotal(input);
  checkFunds(total, values, txid);
  const labels = mergeLabels(input);
  const result = new Map<number, Mix>();
  values.forEach((value, vout) => {
    if (needed.has(`${txid}:${vout}`)) result.set(vout, shareOf(labels, total, value));
  });
  return result;
}

/** Sums a mix by label, in label order. */
function mergeLabels(mix: Mix): Mix {
  const by = new Map<number, bigint>();
  for (const s of mix) by.set(s.label, (by.get(s.label) ?? 0n) + s.amount);
  return [...by.entries()].sort((a, b) => a[0] - b[0]).map(([label, amount]) => ({ label, amount }));
}

/** Shares of `value` out of `total` for each label, floored, the rest to the largest remainders (ties: lower label). */
function shareOf(labels: Mix, total: bigint, value: bigint): Mix {
  if (value === 0n || total === 0n) return [];
  const shares = labels.map((s) => {
    const ideal = s.amount * value;
    return { label: s.label, amount: ideal / total, remainder: ideal % total };
  });
  let left = value - shares.reduce((sum, s) => sum + s.amount, 0n);
  const byRemainder = [...shares].sort((a, b) => (a.remainder === b.remainder ? a.label - b.label : a.remainder > b.remainder ? -1 : 1));
  for (const s of byRemainder) {
    if (left === 0n) break;
    s.amount += 1n;
    left--;
  }
  return shares.filter((s) => s.amount > 0n).map((s) => ({ label: s.label, amount: s.amount }));
}

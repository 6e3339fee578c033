// Ingest: folds chain and mempool events of many nodes ("views") into the SQLite explorer index, in batched transactions; block data itself is written by block-store.ts.

import type Database from 'better-sqlite3';
import type { AddressPrefixes } from '../core/address.ts';
import type { Block } from '../core/block.ts';
import { bytesToHexReversed } from '../core/bytes.ts';
import type { BlockEntry, Chainstate } from '../core/chainstate.ts';
import type { DoubleSpend, Mempool, MempoolEntry } from '../core/mempool.ts';
import { InputError } from '../core/errors.ts';
import type { BlockUndo } from '../core/validate.ts';
import { BlockStore, displayBlob } from './block-store.ts';
import { ExplorerQueries } from './queries.ts';
import { migrate } from './schema.ts';

type Db = Database.Database;
type Statement = Database.Statement;

export type EventKind = 'reorg' | 'rejected' | 'double-spend';

import type { ReorgPayload, RejectedPayload, DoubleSpendPayload } from '../../shared/explorer.ts';
export type { ReorgPayload, RejectedPayload, DoubleSpendPayload } from '../../shared/explorer.ts';

/** What the index reads from a node's chain: its events, and public getters for the blocks they report. */
export type ChainSource = Pick<Chainstate, 'events' | 'params' | 'height' | 'entryAtHeight' | 'isInActiveChain' | 'tips' | 'getBlock' | 'getUndo' | 'getEntry'>;

/** What the index reads from a node's mempool. */
export type MempoolSource = Pick<Mempool, 'events' | 'has' | 'all'>;

/** When an attack ran, on the lab clock (milliseconds; stored rounded to whole milliseconds). */
export interface AttackTime {
  started: number;
  finished: number;
}

export interface ExplorerIndexOptions {
  /**
   * Runs one flush step later. Default: setImmediate. Tests pass `() => {}` and call flush() themselves so
   * that what is committed depends only on the events, not on the event loop.
   */
  schedule?: (run: () => void) => void;
  /** Milliseconds stamped on event rows (reorgs, rejections, double spends). Default: Date.now. */
  now?: () => number;
  /** A transaction ends at the first consistent point after this many indexed transactions (a few ms of work). Default 100. */
  maxTxsPerTransaction?: number;
  /** Txid and address ids kept in memory for input and output linking. Default 200,000 each. */
  cacheSize?: number;
}

interface View {
  readonly id: number;
  readonly name: string;
  /** Between the first connect/disconnect of a chain switch and its tipChanged. */
  switching: boolean;
}

/**
 * One queued change. `boundary` marks a point at which no view is half-way through a chain switch (between
 * its first blockDisconnected/blockConnected and its tipChanged): a transaction may only end there. It is
 * computed when the op is queued, because listeners run nested (a mempool double spend is reported from
 * inside blockConnected).
 */
type OpBody =
  | { kind: 'store'; view: View; entry: BlockEntry; block: Block | undefined; undo: BlockUndo | undefined; prefixes: AddressPrefixes }
  | { kind: 'connect' | 'disconnect' | 'tip'; view: View; entry: BlockEntry }
  | { kind: 'status'; view: View; entry: BlockEntry; status: 'stale' | 'invalid'; code: string | null }
  | { kind: 'reset'; view: View }
  | { kind: 'mempool-reset'; view: View }
  | { kind: 'mempool-add'; view: View; entry: MempoolEntry }
  | { kind: 'mempool-remove'; view: View; txid: string }
  | { kind: 'event'; view: View; type: EventKind; time: number; payload: ReorgPayload | RejectedPayload | DoubleSpendPayload };
type Op = OpBody & { boundary: boolean };


/**
 * The explorer index. Every block any attached node reports is stored once (blocks are immutable); per
 * view it keeps the best chain by height, the tip pointer and each seen block's status. It learns only from
 * chain and mempool events, plus the public getters getBlock/getUndo/getEntry for the block just reported.
 * Events are queued and written in transactions that end only at consistent points, so the index rows and
 * each view's tip pointer always change together.
 */
export class ExplorerIndex {
  readonly db: Db;
  readonly queries: ExplorerQueries;
  private readonly schedule: (run: () => void) => void;
  private readonly now: () => number;
  private readonly maxTxs: number;
  private queue: Op[] = [];
  private head = 0;
  private scheduled = false;
  /** Views half-way through a chain switch. */
  private switching = 0;
  private closed = false;
  private readonly views = new Map<string, View>();
  /** Block data, stored once whichever view reports it. */
  private readonly blocks: BlockStore;
  private readonly stmt: Record<
    | 'setViewBlock' | 'unsetViewBlock' | 'trimViewBlocks' | 'setStatus' | 'setTip' | 'insertEvent' | 'clearViewBlocks' | 'demoteActive'
    | 'insertMempoolTx' | 'deleteMempoolTx' | 'clearMempool' | 'insertAttackReport',
    Statement
  >;

  constructor(db: Db, o: ExplorerIndexOptions = {}) {
    migrate(db);
    this.db = db;
    this.schedule = o.schedule ?? ((run) => void setImmediate(run));
    this.now = o.now ?? Date.now;
    this.maxTxs = o.maxTxsPerTransaction ?? 100;
    this.blocks = new BlockStore(db, o.cacheSize ?? 200_000);
    const p = (sql: string): Statement => db.prepare(sql);
    this.stmt = {
      setViewBlock: p('INSERT OR REPLACE INTO view_blocks (view_id, height, block_id) VALUES (?, ?, ?)'),
      unsetViewBlock: p('DELETE FROM view_blocks WHERE view_id = ? AND height = ? AND block_id = ?'),
      trimViewBlocks: p('DELETE FROM view_blocks WHERE view_id = ? AND height > ?'),
      setStatus: p(`INSERT INTO block_status (view_id, block_id, status, code) VALUES (?, ?, ?, ?)
        ON CONFLICT (view_id, block_id) DO UPDATE SET status = excluded.status, code = excluded.code`),
      setTip: p('UPDATE views SET tip_block_id = ? WHERE id = ?'),
      insertEvent: p('INSERT INTO events (view_id, time, kind, payload) VALUES (?, ?, ?, ?)'),
      clearViewBlocks: p('DELETE FROM view_blocks WHERE view_id = ?'),
      demoteActive: p("UPDATE block_status SET status = 'stale' WHERE view_id = ? AND status = 'active'"),
      insertMempoolTx: p(`INSERT OR REPLACE INTO mempool (view_id, txid, raw, size, vsize, weight, fee, fee_rate, time, input_count, output_count, value_out)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      deleteMempoolTx: p('DELETE FROM mempool WHERE view_id = ? AND txid = ?'),
      clearMempool: p('DELETE FROM mempool WHERE view_id = ?'),
      insertAttackReport: p('INSERT INTO attack_reports (view_id, attack, started, finished, params, report) VALUES (?, ?, ?, ?, ?, ?)'),
    };
    this.queries = new ExplorerQueries(db);
  }

  /**
   * Follows one node as the view `viewName`: first catches up with its chain as it stands (active chain, then
   * side branches), then folds in its events. Returns the function that stops following. With `resume`, a
   * view whose committed tip is already the chain's tip (a chain restored from this index) is not stated again.
   */
  attach(viewName: string, chain: ChainSource, mempool?: MempoolSource, o: { resume?: boolean } = {}): () => void {
    if (this.closed) throw new Error('ExplorerIndex: attach after close');
    const view = this.viewFor(viewName);
    const prefixes: AddressPrefixes = chain.params;
    this.queries.setAddressPrefixes(viewName, prefixes);
    if (!(o.resume && this.indexedTip(view) === chain.entryAtHeight(chain.height)?.id)) this.catchUp(view, chain, prefixes);
    const offs = [
      chain.events.on('blockConnected', ({ entry, block }) => {
        this.push({ kind: 'store', view, entry, block, undo: chain.getUndo(entry.id), prefixes});
        this.push({ kind: 'connect', view, entry});
      }),
      chain.events.on('blockDisconnected', ({ entry }) => this.push({ kind: 'disconnect', view, entry})),
      chain.events.on('tipChanged', ({ tip }) => this.push({ kind: 'tip', view, entry: tip})),
      chain.events.on('blockAccepted', ({ entry, block, status }) => {
        if (status === 'connected') return; // stored by blockConnected
        this.push({ kind: 'store', view, entry, block, undo: undefined, prefixes});
        this.push({ kind: 'status', view, entry, status: 'stale', code: null});
      }),
      chain.events.on('reorg', (r) => {
        const payload = reorgPayload(r, chain, mempool);
        this.push({ kind: 'event', view, type: 'reorg', time: this.now(), payload});
      }),
      chain.events.on('blockRejected', ({ id, code, reason, source }) => {
        const entry = chain.getEntry(id);
        if (entry) {
          this.push({ kind: 'store', view, entry, block: chain.getBlock(id), undo: undefined, prefixes});
          this.push({ kind: 'status', view, entry, status: 'invalid', code});
          // markInvalid also condemns every descendant the node knows.
          const stack = [...entry.children];
          while (stack.length > 0) {
            const e = stack.pop()!;
            this.push({ kind: 'store', view, entry: e, block: undefined, undo: undefined, prefixes});
            this.push({ kind: 'status', view, entry: e, status: 'invalid', code: e.invalid ?? 'bad-prevblk'});
            stack.push(...e.children);
          }
        }
        const payload: RejectedPayload = { hash: id, code, reason, source: source ?? null };
        this.push({ kind: 'event', view, type: 'rejected', time: this.now(), payload});
      }),
    ];
    if (mempool) {
      // The mempool as it stands, then its changes; its listeners on the chain run before ours, so a block's
      // 'removed' events are queued before the block itself.
      this.push({ kind: 'mempool-reset', view });
      for (const entry of mempool.all()) this.push({ kind: 'mempool-add', view, entry });
      offs.push(
        mempool.events.on('added', ({ entry }) => this.push({ kind: 'mempool-add', view, entry })),
        mempool.events.on('removed', ({ txid }) => this.push({ kind: 'mempool-remove', view, txid })),
        mempool.events.on('doubleSpend', (d: DoubleSpend) => {
          const payload: DoubleSpendPayload = { txid: d.txid, conflictingTxid: d.conflictingTxid, outpoints: d.outpoints, block: d.blockId };
          this.push({ kind: 'event', view, type: 'double-spend', time: this.now(), payload});
        }),
      );
    }
    return () => {
      for (const off of offs) off();
    };
  }

  /**
   * Stores an attack's report (bigints become decimal strings) in one statement and returns its id. `view`
   * names the node the attack targeted (a view the index follows), or null for a network-wide attack.
   */
  recordAttackReport(name: string, params: unknown, report: unknown, time: AttackTime, view: string | null = null): number {
    if (typeof name !== 'string' || name.length === 0) throw new InputError('bad-attack', `attack: expected a name, got ${JSON.stringify(name)}`);
    const started = checkTime(time?.started, 'started');
    const finished = checkTime(time?.finished, 'finished');
    if (finished < started) throw new InputError('bad-time', `finished: expected a time >= started (${started}), got ${finished}`);
    const paramsJson = toJson(params, 'params');
    const reportJson = toJson(report, 'report');
    let viewId: number | null = null;
    if (view !== null) {
      const found = this.db.prepare('SELECT id FROM views WHERE name = ?').pluck().get(view) as number | bigint | undefined;
      if (found === undefined) throw new InputError('unknown-view', `view: expected a node the index follows, got ${JSON.stringify(view)}`);
      viewId = Number(found);
    }
    return Number(this.stmt.insertAttackReport.run(viewId, name, started, finished, paramsJson, reportJson).lastInsertRowid);
  }

  /** Number of queued changes not yet committed. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  /** Writes everything queued, in as many transactions as the chunk size asks for. */
  flush(): void {
    while (this.pending > 0) this.flushChunk();
  }

  /** Flushes and stops; the database stays open (its owner closes it). */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
  }

  // ---- queueing ----

  private push(input: OpBody): void {
    if (this.closed) return;
    // A reset empties the view's best chain: like a connect, it opens a switch that the catch-up's tip closes.
    if (input.kind === 'connect' || input.kind === 'disconnect' || input.kind === 'reset') {
      if (!input.view.switching) this.switching++;
      input.view.switching = true;
    } else if (input.kind === 'tip' && input.view.switching) {
      input.view.switching = false;
      this.switching--;
    }
    this.queue.push({ ...input, boundary: this.switching === 0 });
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => this.step());
    }
  }

  /** A scheduled step: one transaction, then yield to the event loop if more is queued. */
  private step(): void {
    this.scheduled = false;
    if (this.closed || this.pending === 0) return;
    this.flushChunk();
    if (this.pending > 0 && !this.scheduled) {
      this.scheduled = true;
      this.schedule(() => this.step());
    }
  }

  /** Commits ops from the head of the queue up to the first boundary after maxTxs transactions (or all). */
  private flushChunk(): void {
    const q = this.queue;
    let end = this.head;
    let txs = 0;
    while (end < q.length) {
      const op = q[end++]!;
      if (op.kind === 'store' && op.block) txs += op.block.txs.length;
      if (op.boundary && txs >= this.maxTxs) break;
    }
    const start = this.head;
    try {
      this.db.transaction(() => {
        for (let i = start; i < end; i++) this.apply(q[i]!);
      })();
    } catch (e) {
      // The transaction rolled back: forget ids it may have handed out.
      this.blocks.reloadAfterRollback();
      throw e;
    }
    this.head = end;
    if (this.head === q.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 4096) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
  }

  /** The view's committed tip, as a display-order hash, or null. */
  private indexedTip(view: View): string | null {
    if (this.pending > 0) return null;
    const tip = this.db.prepare('SELECT lower(hex(b.hash)) FROM views v JOIN blocks b ON b.id = v.tip_block_id WHERE v.id = ?').pluck().get(view.id) as string | undefined;
    return tip ?? null;
  }

  private viewFor(name: string): View {
    const known = this.views.get(name);
    if (known) return known;
    this.db.prepare('INSERT INTO views (name) VALUES (?) ON CONFLICT (name) DO NOTHING').run(name);
    const id = Number(this.db.prepare('SELECT id FROM views WHERE name = ?').pluck().get(name));
    const view = { id, name, switching: false };
    this.views.set(name, view);
    return view;
  }

  /** Queues the chain as it stands: the active chain (with a tip every 500 blocks), then every side branch. */
  private catchUp(view: View, chain: ChainSource, prefixes: AddressPrefixes): void {
    this.push({ kind: 'reset', view});
    for (let h = 0; h <= chain.height; h++) {
      const entry = chain.entryAtHeight(h)!;
      this.push({ kind: 'store', view, entry, block: chain.getBlock(entry.id), undo: chain.getUndo(entry.id), prefixes});
      this.push({ kind: 'connect', view, entry});
      if (h % 500 === 499 || h === chain.height) this.push({ kind: 'tip', view, entry});
    }
    for (const tip of chain.tips()) {
      const branch: BlockEntry[] = [];
      for (let e: BlockEntry | null = tip; e && !chain.isInActiveChain(e); e = e.parent) branch.push(e);
      for (const e of branch.reverse()) {
        this.push({ kind: 'store', view, entry: e, block: chain.getBlock(e.id), undo: undefined, prefixes});
        if (e.invalid) this.push({ kind: 'status', view, entry: e, status: 'invalid', code: e.invalid});
        else if (e.hasData) this.push({ kind: 'status', view, entry: e, status: 'stale', code: null});
      }
    }
  }

  // ---- applying (inside a transaction) ----

  private apply(op: Op): void {
    const s = this.stmt;
    switch (op.kind) {
      case 'store':
        this.blocks.store(op.view.id, op.entry, op.block, op.undo, op.prefixes);
        return;
      case 'connect': {
        const id = this.blockId(op.view, op.entry);
        s.setViewBlock.run(op.view.id, op.entry.height, id);
        s.setStatus.run(op.view.id, id, 'active', null);
        return;
      }
      case 'disconnect': {
        const id = this.blockId(op.view, op.entry);
        s.unsetViewBlock.run(op.view.id, op.entry.height, id);
        s.setStatus.run(op.view.id, id, 'stale', null);
        return;
      }
      case 'tip': {
        const id = this.blockId(op.view, op.entry);
        s.trimViewBlocks.run(op.view.id, op.entry.height);
        s.setTip.run(id, op.view.id);
        return;
      }
      case 'status':
        s.setStatus.run(op.view.id, this.blockId(op.view, op.entry), op.status, op.code);
        return;
      case 'reset':
        s.clearViewBlocks.run(op.view.id);
        s.demoteActive.run(op.view.id);
        return;
      case 'event':
        s.insertEvent.run(op.view.id, Math.round(op.time), op.type, JSON.stringify(op.payload));
        return;
      case 'mempool-reset':
        s.clearMempool.run(op.view.id);
        return;
      case 'mempool-add': {
        const { tx, fee, vsize, feeRate, time } = op.entry;
        s.insertMempoolTx.run(op.view.id, displayBlob(tx.txid), tx.toBytes(), tx.totalSize, vsize, tx.weight, fee, feeRate, time, tx.inputs.length, tx.outputs.length, tx.totalOut());
        return;
      }
      case 'mempool-remove':
        s.deleteMempoolTx.run(op.view.id, Buffer.from(op.txid, 'hex'));
        return;
    }
  }

  /** The row id of a block the view knows, storing its header (and unknown ancestors' headers) if needed. */
  private blockId(view: View, entry: BlockEntry): number {
    return this.blocks.store(view.id, entry, undefined, undefined, undefined);
  }
}

/** A lab-clock time in milliseconds, rounded to a whole millisecond as event rows are. */
function checkTime(t: unknown, what: string): number {
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > Number.MAX_SAFE_INTEGER) throw new InputError('bad-time', `${what}: expected a non-negative number of milliseconds, got ${String(t)}`);
  return Math.round(t);
}

/** JSON text of a value, with bigints as decimal strings; refuses what JSON cannot hold. */
function toJson(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch (e) {
    throw new InputError(`bad-${what}`, `${what}: expected a JSON-serializable value, got one that fails: ${(e as Error).message}`);
  }
  if (text === undefined) throw new InputError(`bad-${what}`, `${what}: expected a JSON-serializable value, got ${typeof value}`);
  return text;
}

/** The diff of a reorg, taken when it happens (the mempool has already taken the detached transactions back). */
function reorgPayload(
  r: { depth: number; fork: BlockEntry; detached: BlockEntry[]; attached: BlockEntry[] },
  chain: ChainSource,
  mempool: MempoolSource | undefined,
): ReorgPayload {
  const spentBy = new Map<string, string>();
  const attachedTxids = new Set<string>();
  for (const e of r.attached) {
    for (const tx of chain.getBlock(e.id)?.txs ?? []) {
      attachedTxids.add(tx.id);
      if (tx.isCoinbase()) continue;
      for (const i of tx.inputs) spentBy.set(`${bytesToHexReversed(i.prevout.txid)}:${i.prevout.vout}`, tx.id);
    }
  }
  const returned: string[] = [];
  const doubleSpent: string[] = [];
  for (const e of r.detached) {
    for (const tx of chain.getBlock(e.id)?.txs.slice(1) ?? []) {
      const txid = tx.id;
      if (attachedTxids.has(txid)) continue;
      if (mempool?.has(txid)) returned.push(txid);
      const lost = tx.inputs.some((i) => {
        const winner = spentBy.get(`${bytesToHexReversed(i.prevout.txid)}:${i.prevout.vout}`);
        return winner !== undefined && winner !== txid;
      });
      if (lost) doubleSpent.push(txid);
    }
  }
  return {
    depth: r.depth,
    fork: { hash: r.fork.id, height: r.fork.height },
    detached: r.detached.map((e) => e.id),
    attached: r.attached.map((e) => e.id),
    returnedToMempool: mempool ? returned : null,
    doubleSpent,
  };
}
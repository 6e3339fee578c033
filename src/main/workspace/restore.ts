// Restores a view's node from the index without connecting its blocks again: headers, the UTXO set, and blocks and undo data read on demand.

import type Database from 'better-sqlite3';
import { Block } from '../core/block.ts';
import type { Bytes } from '../core/bytes.ts';
import type { BlockEntry, BlockSource, Chainstate, ChainSnapshot } from '../core/chainstate.ts';
import { RuleError } from '../core/errors.ts';
import { BlockHeader } from '../core/header.ts';
import { isUnspendable, MAX_SCRIPT_SIZE } from '../core/script.ts';
import type { Coin } from '../core/utxo.ts';
import { checkBlock, checkBlockContext, type BlockUndo } from '../core/validate.ts';
import type { StoredView } from './replay.ts';

type Db = Database.Database;

/** How many blocks at the top of each view's best chain are read and checked on a restore (Bitcoin Core's -checkblocks default). */
export const CHECK_BLOCKS = 6;

export interface RestoreResult {
  /** Blocks of the stored best chain restored (genesis excluded). */
  connected: number;
  /** Stale blocks restored as side branches. */
  sideBranches: number;
  /** Stale blocks whose parent the view never had the data of: left out, as a replay leaves them out. */
  skipped: string[];
  /** Coins in the restored UTXO set. */
  coins: number;
}

/** hash and prev hash (display-order hex), height, version, merkle root (display-order hex), time, bits, nonce, has_data. */
type HeaderRow = [string, string | null, number, number, string, number, number, number, number];

/** Display-order hex as internal-order bytes (pooled Buffer memory: restoring allocates one per header). */
function internal(display: string): Bytes {
  return Buffer.from(display, 'hex').reverse();
}

/** The header a row describes, with `prevHash` its parent's hash; it must hash to the stored hash (so the link holds too). */
function headerOf(row: HeaderRow, prevHash: Bytes, view: string): BlockHeader {
  const [hash, , height, version, merkleRoot, time, bits, nonce] = row;
  const header = new BlockHeader({ version, prevHash, merkleRoot: internal(merkleRoot), time, bits, nonce });
  if (header.id !== hash) throw new RuleError('bad-stored-header', `view ${view}: stored header of ${hash} at height ${height} hashes to ${header.id}`);
  return header;
}

const HEADER_COLUMNS = 'lower(hex(b.hash)), lower(hex(p.hash)), b.height, b.version, hex(b.merkle_root), b.time, b.bits, b.nonce, b.has_data';

/** Rows read (or headers and coins restored) between the yields of restoreSteps. */
const SLICE = 500;

/** A view to restore into a fresh chainstate. */
export interface RestoreTarget {
  view: StoredView;
  chain: Chainstate;
}

/** Where a restore is: which view, and how much of its best chain's headers and coins. */
export interface RestoreProgress {
  view: string;
  /** Views done before this one, and in all. */
  viewsDone: number;
  views: number;
}

/**
 * What views share while restoring: headers by block id (hashed once however many views hold them), the headers
 * a chainstate has checked (so the next one does not check them again), and each best chain's UTXO set by tip
 * (views at the same tip have the same best chain, so the same coins).
 */
interface Shared {
  headers: Map<number, BlockHeader>;
  checked: WeakSet<BlockHeader>;
  coinsByTip: Map<number, (readonly [string, Coin])[]>;
}

/**
 * The view's blocks as the index holds them, for Chainstate.restore: the best chain's headers, stale blocks with
 * data (each after its parent, as replayView adds them), and the UTXO set at the tip: every output of a
 * best-chain transaction that no best-chain input spends (OP_RETURN outputs never enter it). Yields every SLICE
 * rows read.
 */
function* snapshotOf(db: Db, view: StoredView, chain: Chainstate, source: BlockSource, shared: Shared): Generator<void, { snapshot: ChainSnapshot; skipped: string[] }> {
  // The best chain by height: ids and headers in one pass for the first view, ids only for the next ones, whose
  // headers are mostly known already (others are read by id). A best-chain header's parent is the one below it:
  // its prev hash is that header's hash. Rows are streamed: only the headers and ids outlive the loop.
  const first = shared.headers.size === 0;
  const best = first
    ? db.prepare(`SELECT vb.block_id, ${HEADER_COLUMNS.replace('lower(hex(p.hash))', 'NULL')} FROM view_blocks vb JOIN blocks b ON b.id = vb.block_id
        WHERE vb.view_id = ? ORDER BY vb.height`).raw()
    : db.prepare('SELECT block_id, NULL, NULL, height FROM view_blocks WHERE view_id = ? ORDER BY height').raw();
  const headerById = db.prepare(`SELECT ${HEADER_COLUMNS.replace('lower(hex(p.hash))', 'NULL')} FROM blocks b WHERE b.id = ?`).raw();
  const rows: [number, number][] = [];
  const active: BlockHeader[] = [];
  let prevHash = chain.genesis.hash;
  let height = 0;
  for (const [id, ...streamed] of best.iterate(view.id) as Iterable<[number, ...HeaderRow]>) {
    if (streamed[2] !== height) throw new RuleError('bad-stored-chain', `view ${view.name}: best chain has no block at height ${height}`);
    rows.push([id, height]);
    let header = shared.headers.get(id);
    if (!header) {
      const row = first ? (streamed as HeaderRow) : (headerById.get(id) as HeaderRow);
      if (height === 0) {
        if (row[0] !== chain.genesis.id) throw new RuleError('bad-stored-chain', `view ${view.name}: best chain starts at ${row[0]}, expected genesis ${chain.genesis.id}`);
        header = chain.genesis.header;
      } else {
        if (row[8] !== 1) throw new RuleError('bad-stored-chain', `view ${view.name}: best-chain block ${row[0]} has no stored data`);
        header = headerOf(row, prevHash, view.name);
      }
      shared.headers.set(id, header);
    } else if (height === 0 && header.id !== chain.genesis.id) {
      throw new RuleError('bad-stored-chain', `view ${view.name}: best chain starts at ${header.id}, expected genesis ${chain.genesis.id}`);
    }
    if (height > 0) active.push(header);
    prevHash = header.hash;
    if (++height % SLICE === 0) yield;
  }
  // Block row ids, not hashes: a set of 100k hex strings took a long step of its own.
  const withData = new Set<number>(rows.map(([id]) => id));
  const side: BlockHeader[] = [];
  const skipped: string[] = [];
  // The partial index block_status_other holds the few statuses that are not 'active'.
  const stale = db.prepare(`SELECT b.id, b.prev_id, ${HEADER_COLUMNS} FROM block_status s JOIN blocks b ON b.id = s.block_id LEFT JOIN blocks p ON p.id = b.prev_id
    WHERE s.view_id = ? AND s.status <> 'active' AND s.status = 'stale' AND b.has_data = 1 ORDER BY b.height, b.id`).raw();
  let n = 0;
  for (const [id, prevId, ...row] of stale.iterate(view.id) as Iterable<[number, number | null, ...HeaderRow]>) {
    // Hashing a header costs ~10 us: the first view of a workspace with thousands of stale blocks hashes them all.
    if (++n % (SLICE / 4) === 0) yield;
    const prev = row[1];
    if (prev === null || prevId === null || !withData.has(prevId)) {
      skipped.push(row[0]);
      continue;
    }
    let header = shared.headers.get(id);
    if (!header) {
      header = headerOf(row as HeaderRow, internal(prev), view.name);
      shared.headers.set(id, header);
    }
    side.push(header);
    withData.add(id);
  }
  const tipId = rows[rows.length - 1]![0];
  let coins = shared.coinsByTip.get(tipId);
  if (!coins) {
    coins = yield* utxoSetOf(db, rows);
    shared.coinsByTip.set(tipId, coins);
  }
  return { snapshot: { active, side, coins, source, checked: shared.checked }, skipped };
}

/**
 * The UTXO set of a best chain (`rows`: its block ids by height): outputs of its transactions, less the outpoints
 * its inputs spend. Inputs and outputs are scanned in id order (each transaction's rows follow its own):
 * sequential reads, filtered here by the chain's blocks. Yields every SLICE rows.
 */
function* utxoSetOf(db: Db, rows: readonly [number, number][]): Generator<void, (readonly [string, Coin])[]> {
  const heightOf = new Map<number, number>(rows);
  const spent = new Set<string>();
  const inputs = db.prepare(`SELECT t.block_id, lower(hex(px.txid)) || ':' || i.prev_vout FROM inputs i CROSS JOIN txs t ON t.id = i.tx_id
    CROSS JOIN txids px ON px.id = i.prev_txid_id WHERE +i.prev_txid_id IS NOT NULL`).raw();
  let n = 0;
  for (const [blockId, key] of inputs.iterate() as Iterable<[number, string]>) {
    if (heightOf.has(blockId)) spent.add(key);
    if (++n % SLICE === 0) yield;
  }
  const outputs = db.prepare(`SELECT t.block_id, lower(hex(x.txid)) || ':' || o.vout, o.value, hex(o.script), t.is_coinbase
    FROM outputs o CROSS JOIN txs t ON t.id = o.tx_id CROSS JOIN txids x ON x.id = t.txid_id
    WHERE substr(o.script, 1, 1) IS NOT x'6a' AND length(o.script) <= ${MAX_SCRIPT_SIZE}`).raw(); // isUnspendable, in SQL: OP_RETURN outputs never enter it
  const coins: (readonly [string, Coin])[] = [];
  // Values are below 2^53 (MAX_MONEY), so they read exactly as numbers.
  for (const [blockId, key, value, script, coinbase] of outputs.iterate() as Iterable<[number, string, number, string, number]>) {
    if (++n % SLICE === 0) yield;
    const height = heightOf.get(blockId);
    if (height === undefined || spent.has(key)) continue;
    const scriptPubKey = Buffer.from(script, 'hex'); // pooled memory: one allocation per coin would cost more
    if (isUnspendable(scriptPubKey)) continue;
    coins.push([key, { value: BigInt(value), scriptPubKey, height, coinbase: coinbase === 1 }]);
  }
  return coins;
}

/**
 * Blocks and undo data from the index. Undo data is derived from the inputs: each spent coin's value
 * (inputs.prev_value), script (the spent output), and height and coinbase flag (the copy of the spent
 * transaction on the chain's active chain, which holds every ancestor of a block it disconnects).
 */
function indexSource(db: Db, chain: () => Chainstate): BlockSource {
  const raw = db.prepare('SELECT raw FROM blocks WHERE hash = ?').pluck();
  const inputs = db.prepare(`SELECT t.position, i.prev_txid_id, i.prev_vout, i.prev_value FROM blocks b JOIN txs t ON t.block_id = b.id
    JOIN inputs i ON i.id BETWEEN t.first_input_id AND t.first_input_id + t.input_count - 1 WHERE b.hash = ? AND t.position > 0 ORDER BY t.position, i.id`).raw().safeIntegers(true);
  const copies = db.prepare(`SELECT lower(hex(b.hash)), b.height, t.is_coinbase, o.script FROM txs t JOIN blocks b ON b.id = t.block_id
    JOIN outputs o ON o.id = t.first_output_id + @vout WHERE t.txid_id = @txid AND t.output_count > @vout`).raw();
  return {
    block(entry: BlockEntry): Block | undefined {
      const bytes = raw.get(Buffer.from(entry.id, 'hex')) as Buffer | null | undefined;
      if (!bytes) return undefined;
      const block = Block.fromBytes(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      if (block.id !== entry.id) throw new RuleError('bad-stored-block', `stored bytes of block ${entry.id} hash to ${block.id}`);
      return block;
    },
    undo(entry: BlockEntry): BlockUndo | undefined {
      const c = chain();
      const spent: Coin[][] = [];
      for (const [position, txid, vout, value] of inputs.all(Buffer.from(entry.id, 'hex')) as [bigint, bigint | null, bigint, bigint | null][]) {
        const at = Number(position) - 1;
        while (spent.length <= at) spent.push([]);
        if (txid === null || value === null) throw new RuleError('bad-stored-undo', `block ${entry.id}: an input's spent coin is not in the index`);
        const rows = copies.all({ txid, vout }) as [string, number, number, Buffer][];
        const copy = rows.find(([hash, height]) => height <= entry.height && c.entryAtHeight(height)?.id === hash);
        if (!copy) throw new RuleError('bad-stored-undo', `block ${entry.id}: the transaction an input spends is not on the active chain`);
        spent[at]!.push({ value, scriptPubKey: new Uint8Array(copy[3]), height: copy[1], coinbase: copy[2] === 1 });
      }
      return { spent };
    },
  };
}

/**
 * Restores each target's chainstate (fresh) to its view of the index, in steps (see restoreViews); yields
 * progress between steps. The views are read through `db`, whose statements stay open across yields: to query
 * the index between steps, give it a connection of its own. The restored chains read blocks and undo data later
 * through `sourceDb`.
 */
export function* restoreSteps(db: Db, targets: readonly RestoreTarget[], sourceDb: Db = db): Generator<RestoreProgress, RestoreResult[]> {
  const shared: Shared = { headers: new Map(), checked: new WeakSet(), coinsByTip: new Map() };
  const results: RestoreResult[] = [];
  for (const [i, { view, chain }] of targets.entries()) {
    const progress = { view: view.name, viewsDone: i, views: targets.length };
    yield progress;
    const snapshots = snapshotOf(db, view, chain, indexSource(sourceDb, () => chain), shared);
    let step = snapshots.next();
    for (; !step.done; step = snapshots.next()) yield progress;
    const { snapshot, skipped } = step.value;
    for (const _ of chain.restoreSteps(snapshot, SLICE)) yield progress;
    checkTop(view, chain);
    results.push({ connected: snapshot.active.length, sideBranches: snapshot.side.length, skipped, coins: chain.utxo.size });
  }
  return results;
}

/**
 * Restores `chain` (fresh) to view `view` of the index: checks every header (Chainstate.restore), reads the top
 * CHECK_BLOCKS blocks of the best chain and checks them as checkBlock and checkBlockContext do (merkle root,
 * sizes, transactions, coinbase height, finality, witness commitment), and loads the UTXO set. Throws
 * RuleError when the stored chain breaks a rule.
 */
export function restoreView(db: Db, view: StoredView, chain: Chainstate): RestoreResult {
  return restoreViews(db, [{ view, chain }])[0]!;
}

/** restoreView for several views of one index, sharing the work they have in common (see Shared). */
export function restoreViews(db: Db, targets: readonly RestoreTarget[]): RestoreResult[] {
  const steps = restoreSteps(db, targets);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Reads the top CHECK_BLOCKS blocks of a restored chain's best chain and checks them in and out of context. */
function checkTop(view: StoredView, chain: Chainstate): void {
  for (let h = chain.height; h > Math.max(0, chain.height - CHECK_BLOCKS); h--) {
    const entry = chain.entryAtHeight(h)!;
    const block = chain.getBlock(entry.id);
    if (!block) throw new RuleError('bad-stored-block', `view ${view.name}: block ${entry.id} at height ${h} has no stored data`);
    try {
      checkBlock(block, chain.params);
      checkBlockContext(block, chain.parentContext(entry.parent!), chain.params);
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      throw new RuleError(e.code, `view ${view.name}: stored block ${entry.id} at height ${h} does not validate: ${e.message}`);
    }
  }
}

// Replays the blocks an index stored for one view into a chainstate with full validation: best chain first, then stale blocks.

import type Database from 'better-sqlite3';
import { Block } from '../core/block.ts';
import type { Chainstate } from '../core/chainstate.ts';

type Db = Database.Database;

export interface StoredView {
  id: number;
  name: string;
}

export interface ReplayResult {
  /** Blocks of the stored best chain connected (genesis excluded). */
  connected: number;
  /** Stale blocks stored again as side branches. */
  sideBranches: number;
  /** Stale blocks whose parent the view never had the data of: not replayable, left out. */
  skipped: string[];
  /** What did not replay as the index says it should; empty when all is well. */
  problems: string[];
}

function hex(b: Buffer): string {
  return b.toString('hex');
}

/** A rejection as one parenthesised clause; a RuleError's reason already starts with its code. */
function describe(code: string | undefined, reason: string | undefined): string {
  if (code === undefined) return '';
  return ` (${reason === undefined ? code : reason.startsWith(code) ? reason : `${code}: ${reason}`})`;
}

export function storedViews(db: Db): StoredView[] {
  return db.prepare('SELECT id, name FROM views ORDER BY id').all() as StoredView[];
}

/** Each view's best-chain tip as stored (what the view's node had when the index last committed), by view name. */
export function storedTips(db: Db): Map<string, { height: number; hash: string; time: number }> {
  const rows = db.prepare('SELECT v.name, b.height, lower(hex(b.hash)) AS hash, b.time FROM views v JOIN blocks b ON b.id = v.tip_block_id').all() as { name: string; height: number; hash: string; time: number }[];
  return new Map(rows.map(({ name, ...tip }) => [name, tip]));
}

/** The latest block time (seconds) the index holds: a replaying clock must not be earlier, or blocks are time-too-new. */
export function latestBlockTime(db: Db): number {
  return Number(db.prepare('SELECT coalesce(max(time), 0) FROM blocks').pluck().get());
}

function parseStored(raw: Buffer | null, hash: string): Block | string {
  if (raw === null) return `block ${hash} has no stored data`;
  let block: Block;
  try {
    block = Block.fromBytes(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
  } catch (e) {
    return `block ${hash}: stored bytes do not parse (${(e as Error).message})`;
  }
  if (block.id !== hash) return `block ${hash}: stored bytes hash to ${block.id}`;
  return block;
}

/**
 * Replays view `view`: each block of its stored best chain in height order must come back 'connected' from
 * processBlock (full validation); then each stale block with data, in height order, must come back as a side
 * branch. Invalid and headers-only statuses are not replayed: they record what the node saw in an order a
 * replay does not reproduce.
 */
export function replayView(db: Db, view: StoredView, chain: Chainstate): ReplayResult {
  const result: ReplayResult = { connected: 0, sideBranches: 0, skipped: [], problems: [] };
  const best = db.prepare('SELECT vb.height, b.hash, b.raw FROM view_blocks vb JOIN blocks b ON b.id = vb.block_id WHERE vb.view_id = ? ORDER BY vb.height');
  let expected = 0;
  for (const row of best.iterate(view.id) as Iterable<{ height: number; hash: Buffer; raw: Buffer | null }>) {
    const hash = hex(row.hash);
    if (row.height !== expected) {
      result.problems.push(`view ${view.name}: best chain has no block at height ${expected}`);
      return result;
    }
    expected++;
    if (row.height === 0) {
      if (hash !== chain.genesis.id) result.problems.push(`view ${view.name}: best chain starts at ${hash}, expected genesis ${chain.genesis.id}`);
      continue;
    }
    const block = parseStored(row.raw, hash);
    if (typeof block === 'string') {
      result.problems.push(`view ${view.name}: height ${row.height}: ${block}`);
      return result;
    }
    const r = chain.processBlock(block, 'workspace');
    if (r.status !== 'connected') {
      result.problems.push(`view ${view.name}: stored block ${hash} at height ${row.height} does not validate: ${r.status}${describe(r.code, r.reason)}`);
      return result;
    }
    result.connected++;
  }
  const stale = db.prepare(`SELECT b.hash, b.height, b.raw, p.hash AS prev FROM block_status s JOIN blocks b ON b.id = s.block_id
    LEFT JOIN blocks p ON p.id = b.prev_id WHERE s.view_id = ? AND s.status = 'stale' AND b.has_data = 1 ORDER BY b.height, b.id`);
  for (const row of stale.iterate(view.id) as Iterable<{ hash: Buffer; height: number; raw: Buffer | null; prev: Buffer | null }>) {
    const hash = hex(row.hash);
    const parent = row.prev ? chain.getEntry(hex(row.prev)) : undefined;
    if (!parent?.hasData) {
      result.skipped.push(hash);
      continue;
    }
    const block = parseStored(row.raw, hash);
    if (typeof block === 'string') {
      result.problems.push(`view ${view.name}: stale ${block}`);
      continue;
    }
    const r = chain.processBlock(block, 'workspace');
    if (r.status === 'side-branch' || r.status === 'duplicate') result.sideBranches++;
    else result.problems.push(`view ${view.name}: stale block ${hash} at height ${row.height} replays as ${r.status}${describe(r.code, r.reason)}, expected a side branch`);
  }
  return result;
}

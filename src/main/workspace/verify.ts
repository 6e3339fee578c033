// `index verify`: the index against a fresh reindex of its own stored blocks, view by view.

import Database from 'better-sqlite3';
import { Chainstate } from '../core/chainstate.ts';
import type { NetworkParams } from '../core/params.ts';
import { SignatureChecker } from '../core/signatures.ts';
import { wasmSchnorr } from '../crypto/fast-schnorr.ts';
import { ExplorerIndex } from '../indexer/ingest.ts';
import { latestBlockTime, replayView, storedViews } from './replay.ts';

type Db = Database.Database;

export interface VerifyResult {
  consistent: boolean;
  views: number;
  blocks: number;
  problems: string[];
}

const MAX_PROBLEMS = 50;

/** Canonical rows, keyed by hashes rather than row ids, so two indexes of the same blocks compare equal. */
const CANONICAL: Record<string, string> = {
  chain: `SELECT vb.height, hex(b.hash) AS hash FROM view_blocks vb JOIN blocks b ON b.id = vb.block_id WHERE vb.view_id = ? ORDER BY vb.height`,
  tip: `SELECT hex(b.hash) AS tip FROM views v LEFT JOIN blocks b ON b.id = v.tip_block_id WHERE v.id = ?`,
  statuses: `SELECT hex(b.hash) AS hash, s.status FROM block_status s JOIN blocks b ON b.id = s.block_id
    WHERE s.view_id = ? AND s.status IN ('active', 'stale') AND b.has_data = 1 ORDER BY hash`,
  headers: `SELECT hex(b.hash) AS hash, hex(p.hash) AS prev, b.height, b.version, hex(b.merkle_root) AS merkle, b.time, b.bits, b.nonce,
    b.chain_work, b.size, b.weight, b.tx_count FROM block_status s JOIN blocks b ON b.id = s.block_id LEFT JOIN blocks p ON p.id = b.prev_id
    WHERE s.view_id = ? AND s.status IN ('active', 'stale') AND b.has_data = 1 ORDER BY hash`,
  txs: `SELECT vb.height, t.position, hex(x.txid) AS txid, t.size, t.vsize, t.weight, t.fee, t.is_coinbase, t.input_count, t.output_count
    FROM view_blocks vb JOIN txs t ON t.block_id = vb.block_id JOIN txids x ON x.id = t.txid_id WHERE vb.view_id = ? ORDER BY vb.height, t.position`,
  inputs: `SELECT vb.height, t.position, i.vin, hex(px.txid) AS prev, i.prev_vout, i.sequence, i.prev_value FROM view_blocks vb JOIN txs t ON t.block_id = vb.block_id
    JOIN inputs i ON i.id BETWEEN t.first_input_id AND t.first_input_id + t.input_count - 1 LEFT JOIN txids px ON px.id = i.prev_txid_id
    WHERE vb.view_id = ? ORDER BY vb.height, t.position, i.vin`,
  outputs: `SELECT vb.height, t.position, o.vout, o.value, hex(o.script) AS script, o.type, a.address,
    (SELECT hex(sx.txid) || ':' || si.vin FROM inputs si JOIN txs st ON st.id = si.tx_id JOIN txids sx ON sx.id = st.txid_id
      JOIN blocks sb ON sb.id = st.block_id JOIN view_blocks svb ON svb.view_id = vb.view_id AND svb.height = sb.height AND svb.block_id = sb.id
      WHERE si.prev_txid_id = t.txid_id AND si.prev_vout = o.vout) AS spender
    FROM view_blocks vb JOIN txs t ON t.block_id = vb.block_id JOIN outputs o ON o.id BETWEEN t.first_output_id AND t.first_output_id + t.output_count - 1
    LEFT JOIN addresses a ON a.id = o.address_id WHERE vb.view_id = ? ORDER BY vb.height, t.position, o.vout`,
  addressIo: `SELECT a.address, ai.height, ai.position, ai.n, hex(x.txid) AS txid, hex(ai.txid) AS stored, hex(cx.txid) AS coin, ai.coin_vout, ai.value FROM view_blocks vb
    JOIN address_io ai ON ai.height = vb.height AND ai.block_id = vb.block_id JOIN addresses a ON a.id = ai.address_id
    JOIN txids x ON x.id = ai.txid_id JOIN txids cx ON cx.id = ai.coin_txid_id WHERE vb.view_id = ? ORDER BY a.address, ai.height, ai.position, ai.n`,
};

function rows(db: Db, sql: string, viewId: number): string[] {
  return (db.prepare(sql).raw().safeIntegers(true).all(viewId) as unknown[][]).map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

/** Structural invariants of one view that need no reindex: the tip pointer, a contiguous linked best chain, statuses. */
function checkStructure(db: Db, viewId: number, name: string, problems: string[]): void {
  const tip = db.prepare('SELECT b.height FROM views v JOIN blocks b ON b.id = v.tip_block_id WHERE v.id = ?').pluck().get(viewId) as number | undefined;
  const top = db.prepare('SELECT max(height) FROM view_blocks WHERE view_id = ?').pluck().get(viewId) as number | null;
  if ((tip ?? null) !== top) problems.push(`view ${name}: tip pointer at height ${tip ?? 'none'} but best chain ends at ${top ?? 'none'}`);
  const unlinked = Number(db.prepare(`SELECT count(*) FROM view_blocks vb JOIN blocks b ON b.id = vb.block_id
    LEFT JOIN view_blocks pv ON pv.view_id = vb.view_id AND pv.height = vb.height - 1
    WHERE vb.view_id = ? AND vb.height > 0 AND (pv.block_id IS NULL OR pv.block_id IS NOT b.prev_id)`).pluck().get(viewId));
  if (unlinked > 0) problems.push(`view ${name}: ${unlinked} best-chain blocks do not link to the block below them`);
  const notActive = Number(db.prepare(`SELECT count(*) FROM view_blocks vb LEFT JOIN block_status s ON s.view_id = vb.view_id AND s.block_id = vb.block_id
    WHERE vb.view_id = ? AND s.status IS NOT 'active'`).pluck().get(viewId));
  if (notActive > 0) problems.push(`view ${name}: ${notActive} best-chain blocks are not marked active`);
  const strayActive = Number(db.prepare(`SELECT count(*) FROM block_status s JOIN blocks b ON b.id = s.block_id
    LEFT JOIN view_blocks vb ON vb.view_id = s.view_id AND vb.height = b.height AND vb.block_id = b.id
    WHERE s.view_id = ? AND s.status = 'active' AND vb.block_id IS NULL`).pluck().get(viewId));
  if (strayActive > 0) problems.push(`view ${name}: ${strayActive} blocks marked active are not on the best chain`);
}

/**
 * Compares the index with a reindex of its stored blocks: for every view, a fresh chainstate replays the
 * view's stored blocks (replay.ts) and a fresh in-memory index follows it; then each view's best chain, tip,
 * active/stale statuses, block headers, transactions, inputs (with the values they spend), outputs with their
 * spenders, and the address rows (address_io) of best-chain blocks must be equal.
 * Reads `db` only.
 */
export function verifyIndex(db: Db, params: NetworkParams): VerifyResult {
  const problems: string[] = [];
  const views = storedViews(db);
  const now = latestBlockTime(db) + 7200;
  const memory = new Database(':memory:');
  try {
    const reindex = new ExplorerIndex(memory, { schedule: () => {}, now: () => 0 });
    const checker = new SignatureChecker(wasmSchnorr);
    const skipped = new Map<string, Set<string>>();
    for (const view of views) {
      checkStructure(db, view.id, view.name, problems);
      const chain = new Chainstate(params, { now: () => now, checker });
      const r = replayView(db, view, chain);
      problems.push(...r.problems);
      skipped.set(view.name, new Set(r.skipped));
      reindex.attach(view.name, chain);
      reindex.flush();
    }
    const memoryViews = new Map(storedViews(memory).map((v) => [v.name, v.id]));
    for (const view of views) {
      const otherId = memoryViews.get(view.name)!;
      const skip = skipped.get(view.name)!;
      for (const [what, sql] of Object.entries(CANONICAL)) {
        let mine = rows(db, sql, view.id);
        const theirs = rows(memory, sql, otherId);
        if (what === 'statuses' || what === 'headers') mine = mine.filter((r) => !skip.has((JSON.parse(r) as string[])[0]!.toLowerCase()));
        compare(`view ${view.name}: ${what}`, mine, theirs, problems);
      }
    }
    const blocks = Number(db.prepare('SELECT count(*) FROM blocks WHERE has_data = 1').pluck().get());
    const capped = problems.length > MAX_PROBLEMS ? [...problems.slice(0, MAX_PROBLEMS), `... and ${problems.length - MAX_PROBLEMS} more`] : problems;
    return { consistent: problems.length === 0, views: views.length, blocks, problems: capped };
  } finally {
    memory.close();
  }
}

function compare(what: string, index: string[], reindex: string[], problems: string[]): void {
  const n = Math.max(index.length, reindex.length);
  let differing = 0;
  let first = -1;
  for (let i = 0; i < n; i++) {
    if (index[i] !== reindex[i]) {
      differing++;
      if (first < 0) first = i;
    }
  }
  if (differing === 0) return;
  problems.push(`${what}: ${differing} of ${n} rows differ (index ${index.length} rows, reindex ${reindex.length}); first at row ${first}: index ${index[first] ?? 'none'} vs reindex ${reindex[first] ?? 'none'}`);
}

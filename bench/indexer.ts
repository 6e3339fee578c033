// Explorer index ingest: transactions per second through ExplorerIndex against raw better-sqlite3 inserts of the same rows.

import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FORKLAB_SIM } from '../src/main/core/params.ts';
import { ExplorerIndex } from '../src/main/indexer/ingest.ts';
import { openIndexDatabase } from '../src/main/indexer/schema.ts';
import { SyntheticChain } from '../test/support/scripted-chain.ts';
import { figure, type Figure } from './figure.ts';

const params = FORKLAB_SIM;

const TABLES = ['blocks', 'txids', 'txs', 'addresses', 'outputs', 'inputs', 'address_io', 'views', 'view_blocks', 'block_status'] as const;

/** Rate over a slice of timed chunks: transactions per second. */
function rateOf(chunks: readonly { txs: number; ms: number }[]): number {
  const txs = chunks.reduce((s, c) => s + c.txs, 0);
  const ms = chunks.reduce((s, c) => s + c.ms, 0);
  return (txs * 1000) / ms;
}

/**
 * Ingest through ExplorerIndex (rows derived from blocks and events: ids, address encoding, fee from undo
 * data, per-view chain rows) against inserting the very rows it wrote, read back, with prepared statements
 * into a fresh file of the same schema, in transactions of the same size. Both in WAL mode in os.tmpdir().
 */
export function benchIngest(): Figure {
  const BLOCKS = 200;
  const PER_BLOCK = 500;
  const PER_TRANSACTION = 100; // the index's chunk budget; a block's rows and its tip pointer still commit together
  const dir = mkdtempSync(join(tmpdir(), 'forklab-bench-index-'));
  try {
    const chain = new SyntheticChain(params, { seed: 'bench-indexer' });
    for (let i = 0; i < 4; i++) chain.mine(0, 500); // coins to spend

    const db = openIndexDatabase(join(dir, 'index.sqlite'));
    const steps: (() => void)[] = [];
    const index = new ExplorerIndex(db, { schedule: (run) => steps.push(run), now: () => 0, maxTxsPerTransaction: PER_TRANSACTION });
    index.attach('bench', chain);
    while (steps.length > 0) steps.shift()!();

    // Blocks are built before timing; each scheduled step (one transaction) is timed.
    for (let i = 0; i < BLOCKS; i++) chain.mine(PER_BLOCK);
    const txsBefore = Number(db.prepare('SELECT count(*) FROM txs').pluck().get());
    const chunks: { txs: number; ms: number }[] = [];
    let counted = txsBefore;
    while (steps.length > 0) {
      const t = performance.now();
      steps.shift()!();
      const ms = performance.now() - t;
      const now = Number(db.prepare('SELECT max(id) FROM txs').pluck().get());
      chunks.push({ txs: now - counted, ms });
      counted = now;
    }
    const txs = counted - txsBefore;
    const indexRate = rateOf(chunks);
    const fifth = Math.max(1, Math.floor(chunks.length / 5));
    const indexStart = rateOf(chunks.slice(0, fifth));
    const indexEnd = rateOf(chunks.slice(-fifth));
    const sortedMs = chunks.map((c) => c.ms).sort((a, b) => a - b);
    const maxChunkMs = sortedMs[sortedMs.length - 1]!;
    const p50ChunkMs = sortedMs[Math.floor(sortedMs.length / 2)]!;
    const slowest = chunks.findIndex((c) => c.ms === maxChunkMs);

    // Baseline: the same rows, same schema, prepared INSERTs, in transactions of the sizes the index used.
    const raw = openIndexDatabase(join(dir, 'raw.sqlite'));
    const order: Record<(typeof TABLES)[number], string> = { blocks: 'id', txids: 'id', txs: 'id', addresses: 'id', outputs: 'id', inputs: 'id', address_io: 'block_id, position, n', views: 'id', view_blocks: 'height', block_status: 'block_id' };
    const rows = Object.fromEntries(TABLES.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY ${order[t]}`).raw().all() as number[][]])) as Record<(typeof TABLES)[number], number[][]>;
    for (const v of rows.views) v[2] = null as unknown as number; // the tip pointer is set per batch
    const insert = Object.fromEntries(
      TABLES.map((t) => [t, raw.prepare(`INSERT INTO ${t} VALUES (${rows[t][0]!.map(() => '?').join(', ')})`)]),
    ) as Record<(typeof TABLES)[number], Database.Statement>;
    const next = Object.fromEntries(TABLES.map((t) => [t, 0])) as Record<(typeof TABLES)[number], number>;
    /** Inserts rows of `t` while `keep(row)` holds; returns the last inserted. */
    const upTo = (t: (typeof TABLES)[number], keep: (r: number[]) => boolean): void => {
      const list = rows[t];
      while (next[t] < list.length && keep(list[next[t]]!)) insert[t].run(...list[next[t]++]!);
    };
    const tipUpdate = raw.prepare('UPDATE views SET tip_block_id = ? WHERE id = ?');
    /** One batch: every row the next `n` transactions need (blocks, txids, addresses first), then the view rows. */
    const batch = (n: number): void => {
      const txs = rows.txs.slice(next.txs, next.txs + n);
      const lastTx = txs[txs.length - 1]?.[0] ?? 0;
      const ins = rows.inputs.slice(next.inputs).filter((r) => r[1]! <= lastTx);
      const outs = rows.outputs.slice(next.outputs, next.outputs + txs.reduce((s, r) => s + r[12]!, 0));
      const maxBlock = Math.max(0, ...txs.map((r) => r[2]!));
      const maxTxid = Math.max(0, ...txs.map((r) => r[1]!), ...ins.map((r) => r[3] ?? 0));
      const maxAddress = Math.max(0, ...outs.map((r) => r[6] ?? 0));
      upTo('blocks', (r) => r[0]! <= maxBlock);
      upTo('views', () => true);
      upTo('txids', (r) => r[0]! <= maxTxid);
      upTo('addresses', (r) => r[0]! <= maxAddress);
      upTo('txs', (r) => r[0]! <= lastTx);
      upTo('inputs', (r) => r[1]! <= lastTx);
      upTo('outputs', (r) => r[1]! <= lastTx);
      upTo('address_io', (r) => r[3]! <= maxBlock); // a batch ends at a block's tip: whole blocks
      upTo('view_blocks', (r) => r[2]! <= maxBlock);
      upTo('block_status', (r) => r[1]! <= maxBlock);
      if (maxBlock > 0) tipUpdate.run(maxBlock, 1);
    };
    raw.transaction(() => batch(txsBefore))();
    const baseChunks: { txs: number; ms: number }[] = [];
    for (const chunk of chunks) {
      const n = chunk.txs; // the index's own transaction boundaries (it ends a transaction only at a block's tip)
      if (n === 0) continue;
      const t = performance.now();
      raw.transaction(() => batch(n))();
      baseChunks.push({ txs: n, ms: performance.now() - t });
    }
    const rawRate = rateOf(baseChunks);
    const rawEnd = rateOf(baseChunks.slice(-fifth));
    db.close();
    raw.close();
    return figure(
      'explorer index ingest',
      'tx/s',
      indexRate,
      { name: 'raw better-sqlite3 inserts of the same rows', value: rawRate },
      { min: 0.5 },
      `${txs} txs in ${BLOCKS} blocks (2 in, 2 out, 20k p2wpkh addresses), WAL, ${chunks.length} SQLite transactions (one per ${PER_BLOCK}-tx block: the index ends one only at a tip),  median ${p50ChunkMs.toFixed(1)} ms, longest ${maxChunkMs.toFixed(1)} ms (#${slowest}); ` +
        `index first/last fifth ${Math.round(indexStart)}/${Math.round(indexEnd)} tx/s, raw last fifth ${Math.round(rawEnd)} tx/s (end ratio ${(indexEnd / rawEnd).toFixed(2)})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${JSON.stringify(benchIngest(), null, 2)}\n`);

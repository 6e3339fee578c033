// Test support: a small chain with spends and a stale branch, followed by a fresh in-memory explorer index as view 'n'.

import Database from 'better-sqlite3';
import { ExplorerIndex } from '../../src/main/indexer/ingest.ts';
import { ChainBuilder } from './chain-builder.ts';

/**
 * Builds, with every block processed by the builder's chainstate and indexed (flushed):
 *
 *   genesis -> a1 ... a6 -> a7 (P: a1's coinbase, two outputs) -> a8 (spends P:0 and P:1) -> a9 -> a10 (spends a2's coinbase)
 *                              \-> s7 (stale: spends a1's coinbase too)
 */
export function indexedHistory(): { t: ChainBuilder; db: Database.Database; index: ExplorerIndex } {
  const t = new ChainBuilder();
  const db = new Database(':memory:');
  const index = new ExplorerIndex(db, { schedule: () => {}, now: () => 0 });
  index.attach('n', t.chain);
  t.chainOf('a', 'genesis', 6);
  for (let i = 1; i <= 6; i++) t.accept(`a${i}`);
  const p = t.spendCoinbase('a1', { outputs: 2 });
  t.block('a7', 'a6', { txs: [p] });
  t.accept('a7');
  t.block('a8', 'a7', { txs: [t.spend([{ txid: p.txid, vout: 0 }, { txid: p.txid, vout: 1 }], { outputs: 3 })] });
  t.accept('a8');
  t.block('a9', 'a8');
  t.accept('a9');
  t.block('a10', 'a9', { txs: [t.spendCoinbase('a2')] });
  t.accept('a10');
  t.block('s7', 'a6', { txs: [t.spendCoinbase('a1', { fee: 7000n })] });
  if (t.process('s7').status !== 'side-branch') throw new Error('indexedHistory: s7 should be a side branch');
  index.flush();
  return { t, db, index };
}

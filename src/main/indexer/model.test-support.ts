// Test support: checks the explorer index against a node's chainstate (the model) and the index's own invariants.

import type Database from 'better-sqlite3';
import { expect } from 'vitest';
import { addressFromScript } from '../core/address.ts';
import type { Block } from '../core/block.ts';
import type { Node } from '../node/node.ts';
import type { ExplorerQueries } from './queries.ts';

/** Every block with data that any of `nodes` stores, by id. */
export function allBlocks(nodes: readonly Node[]): Map<string, Block> {
  const out = new Map<string, Block>();
  for (const n of nodes) {
    for (const e of n.chain.allEntries()) {
      const b = n.chain.getBlock(e.id);
      if (b) out.set(e.id, b);
    }
  }
  return out;
}

/**
 * Asserts that every answer the index gives "as `node` sees it" equals what the node's chainstate says:
 * best chain by height (also through keyset paging), block statuses, tx confirmation (never a stale tx as
 * confirmed), spenders, and address balances and UTXOs.
 */
export function expectViewMatchesNode(q: ExplorerQueries, db: Database.Database, node: Node, blocks: Map<string, Block>): void {
  const chain = node.chain;
  const view = node.id;

  // Best chain, newest first, through keyset pages of 7.
  const seen: string[] = [];
  for (let before: number | undefined; ; ) {
    const page = q.latestBlocks(view, { limit: 7, ...(before !== undefined ? { before } : {}) });
    seen.push(...page.map((b) => b.hash));
    if (page.length < 7) break;
    before = page[page.length - 1]!.height;
  }
  const expected = Array.from({ length: chain.height + 1 }, (_, i) => chain.entryAtHeight(chain.height - i)!.id);
  expect(seen, `${view}: best chain`).toEqual(expected);

  // Block statuses and confirmations.
  for (const e of chain.allEntries()) {
    if (!e.hasData && !e.invalid) continue;
    const b = q.block(view, e.id);
    if (e.invalid && !b) continue; // rejected before the index could learn its header
    expect(b, `${view}: block ${e.id}`).not.toBeNull();
    const status = chain.isInActiveChain(e) ? 'active' : e.invalid ? 'invalid' : 'stale';
    expect(b!.status, `${view}: status of ${e.id} at ${e.height}`).toBe(status);
    expect(b!.confirmations).toBe(status === 'active' ? chain.height - e.height + 1 : -1);
  }
  for (let h = 0; h <= chain.height; h++) expect(q.block(view, h)!.hash).toBe(chain.entryAtHeight(h)!.id);
  expect(q.block(view, chain.height + 1)).toBeNull();

  // Transactions: confirmed iff in the node's active chain, in that block; spenders as the UTXO set says.
  const activeTx = new Map<string, string>();
  for (let h = 0; h <= chain.height; h++) {
    const id = chain.entryAtHeight(h)!.id;
    for (const tx of chain.getBlock(id)!.txs) activeTx.set(tx.id, id);
  }
  const checked = new Set<string>();
  for (const block of blocks.values()) {
    for (const tx of block.txs) {
      if (checked.has(tx.id)) continue;
      checked.add(tx.id);
      const info = q.tx(view, tx.id);
      expect(info, `${view}: tx ${tx.id}`).not.toBeNull();
      const at = activeTx.get(tx.id);
      expect(info!.confirmed, `${view}: tx ${tx.id} confirmed`).toBe(at !== undefined);
      if (at === undefined) {
        expect(info!.block).toBeNull();
        continue;
      }
      expect(info!.block!.hash).toBe(at);
      expect(info!.outputs.length).toBe(tx.outputs.length);
      for (const o of info!.outputs) {
        const unspent = chain.getCoin(`${tx.id}:${o.vout}`) !== undefined;
        if (unspent) expect(o.spentBy, `${view}: ${tx.id}:${o.vout} unspent`).toBeNull();
        else if (o.type !== 'nulldata') expect(o.spentBy, `${view}: ${tx.id}:${o.vout} spent`).not.toBeNull();
        if (o.spentBy) expect(activeTx.has(o.spentBy.txid)).toBe(true);
      }
    }
  }

  // Addresses: balance and UTXOs equal the node's UTXO set, for every address the index knows.
  const model = new Map<string, { sum: bigint; keys: string[] }>();
  for (const [key, coin] of chain.utxo.entries()) {
    const a = addressFromScript(coin.scriptPubKey, chain.params);
    if (a === null) continue;
    const m = model.get(a) ?? { sum: 0n, keys: [] };
    m.sum += coin.value;
    m.keys.push(key);
    model.set(a, m);
  }
  // History: per address, each best-chain transaction paying or spending from it, newest first, with its delta.
  const history = new Map<string, { txid: string; height: number; position: number; blockHash: string; delta: bigint }[]>();
  const touch = (a: string | null, txid: string, height: number, position: number, blockHash: string, delta: bigint): void => {
    if (a === null) return;
    const items = history.get(a) ?? [];
    const last = items[items.length - 1];
    if (last && last.txid === txid && last.height === height) last.delta += delta;
    else items.push({ txid, height, position, blockHash, delta });
    history.set(a, items);
  };
  for (let h = 0; h <= chain.height; h++) {
    const id = chain.entryAtHeight(h)!.id;
    const undo = chain.getUndo(id);
    chain.getBlock(id)!.txs.forEach((tx, position) => {
      if (position > 0) undo!.spent[position - 1]!.forEach((c) => touch(addressFromScript(c.scriptPubKey, chain.params), tx.id, h, position, id, -c.value));
      for (const o of tx.outputs) touch(addressFromScript(o.scriptPubKey, chain.params), tx.id, h, position, id, o.value);
    });
  }
  const addresses = db.prepare('SELECT address FROM addresses').pluck().all() as string[];
  for (const a of model.keys()) expect(addresses, `${view}: address ${a} indexed`).toContain(a);
  for (const a of addresses) {
    const info = q.address(view, a, { limit: 1000 })!;
    const m = model.get(a);
    expect(info.balance, `${view}: balance of ${a}`).toBe(m?.sum ?? 0n);
    expect(info.utxos.map((u) => `${u.txid}:${u.vout}`).sort(), `${view}: UTXOs of ${a}`).toEqual((m?.keys ?? []).sort());
    const expected = [...(history.get(a) ?? [])].reverse();
    expect(info.txCount, `${view}: tx count of ${a}`).toBe(expected.length);
    // Keyset pages of 3 add up to the whole history.
    const pages: typeof expected = [];
    for (let before: string | undefined; ; ) {
      const page = q.address(view, a, { limit: 3, ...(before !== undefined ? { before } : {}) })!;
      pages.push(...page.history);
      if (page.next === null) break;
      before = page.next;
    }
    expect(pages, `${view}: history of ${a}`).toEqual(expected);
  }
}

/**
 * The invariant a committed transaction must keep for every view: the best chain is a chain of parent
 * links from genesis to the tip pointer, every block on it has status 'active' and no other block does.
 */
export function expectViewsConsistent(db: Database.Database): void {
  const views = db.prepare('SELECT v.id, v.name, v.tip_block_id AS tip, b.height AS tipHeight FROM views v LEFT JOIN blocks b ON b.id = v.tip_block_id').all() as {
    id: number;
    name: string;
    tip: number | null;
    tipHeight: number | null;
  }[];
  for (const v of views) {
    const rows = db.prepare('SELECT vb.height, vb.block_id AS id, b.prev_id AS prev FROM view_blocks vb JOIN blocks b ON b.id = vb.block_id WHERE vb.view_id = ? ORDER BY vb.height').all(v.id) as {
      height: number;
      id: number;
      prev: number | null;
    }[];
    if (v.tip === null) {
      expect(rows, `${v.name}: no tip, no chain`).toEqual([]);
      continue;
    }
    expect(rows.length, `${v.name}: chain length`).toBe(v.tipHeight! + 1);
    rows.forEach((r, i) => {
      expect(r.height).toBe(i);
      if (i > 0) expect(r.prev, `${v.name}: parent link at ${i}`).toBe(rows[i - 1]!.id);
    });
    expect(rows[rows.length - 1]!.id, `${v.name}: tip pointer`).toBe(v.tip);
    const active = db.prepare("SELECT block_id FROM block_status WHERE view_id = ? AND status = 'active' ORDER BY block_id").pluck().all(v.id) as number[];
    expect(active, `${v.name}: active statuses`).toEqual(rows.map((r) => r.id).sort((a, b) => a - b));
  }
}

// Test support for provenance: a ledger of hand-made blocks, an index over it, and the ancestry by its definition.

import Database from 'better-sqlite3';
import { ScriptedChain } from '../../../test/support/scripted-chain.ts';
import { addressFromScript } from '../core/address.ts';
import { bytesToHexReversed } from '../core/bytes.ts';
import { FORKLAB_SIM } from '../core/params.ts';
import { NULL_TXID, SEQUENCE_FINAL, Transaction } from '../core/tx.ts';
import { ExplorerIndex } from './ingest.ts';
import { Provenance, type Ancestry } from './provenance.ts';

export const params = FORKLAB_SIM;

/** A p2wpkh script for account `n`, and its address. */
export function script(n: number): Uint8Array {
  return Uint8Array.of(0x00, 0x14, ...new Array<number>(19).fill(7), n);
}
export function address(n: number): string {
  return addressFromScript(script(n), params)!;
}

/**
 * A best chain of hand-made blocks reported through chain events. Transactions are not signed and values are
 * free: the index does not validate, so a test states exactly the graph and the amounts it wants.
 */
export class Ledger extends ScriptedChain {
  private nonce = 0;

  constructor() {
    super(params);
  }

  /** A coinbase paying `values` to accounts `to` (account 0 by default). */
  coinbase(values: bigint[], to: number[] = []): Transaction {
    const n = ++this.nonce;
    return new Transaction({
      version: 2,
      inputs: [{ prevout: { txid: NULL_TXID, vout: 0xffffffff }, scriptSig: Uint8Array.of(4, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >> 24), sequence: SEQUENCE_FINAL, witness: [] }],
      outputs: values.map((value, i) => ({ value, scriptPubKey: script(to[i] ?? 0) })),
      locktime: 0,
    });
  }

  /** A transaction spending `inputs` ([tx, vout]) into `values` paid to accounts `to` (account 1 by default). */
  spend(inputs: [Transaction, number][], values: bigint[], to: number[] = []): Transaction {
    return new Transaction({
      version: 2,
      inputs: inputs.map(([tx, vout]) => ({ prevout: { txid: tx.txid, vout }, scriptSig: new Uint8Array(0), sequence: SEQUENCE_FINAL, witness: [] })),
      outputs: values.map((value, i) => ({ value, scriptPubKey: script(to[i] ?? 1) })),
      locktime: ++this.nonce,
    });
  }

  /** Connects a block holding `txs`, whose first is a coinbase (one is made when `txs` starts with none). */
  mine(txs: Transaction[]): void {
    this.append(txs[0]?.isCoinbase() ? txs : [this.coinbase([50n]), ...txs]);
  }
}

/** A ledger with an index over it as view 'v'; `sync` brings the index up to date. */
export function setup(): { ledger: Ledger; db: Database.Database; index: ExplorerIndex; p: Provenance; sync: () => void } {
  const ledger = new Ledger();
  const db = new Database(':memory:');
  const index = new ExplorerIndex(db, { schedule: () => {}, now: () => 0 });
  index.attach('v', ledger);
  const p = new Provenance(db);
  const sync = (): void => index.flush();
  return { ledger, db, index, p, sync };
}

export const coin = (tx: Transaction, vout: number): string => `${tx.id}:${vout}`;

/**
 * The ancestry by its definition, over the transactions themselves (no index, no batches): breadth-first from
 * the coin's transaction, parents in input order; a node at maxDepth is not expanded, nor one whose new parents
 * would take the graph past maxNodes, after which no node is. Blocks are left out (other tests pin them).
 */
export function referenceAncestry(txs: ReadonlyMap<string, Transaction>, key: string, bounds: { maxDepth?: number; maxNodes?: number } = {}) {
  const maxDepth = bounds.maxDepth ?? 50;
  const maxNodes = bounds.maxNodes ?? 10_000;
  const [txid, vout] = key.split(':') as [string, string];
  const root = txs.get(txid)!;
  const depth = new Map<string, number>([[txid, 0]]);
  const order = [root];
  const expanded = new Map<string, boolean>();
  const edges: { from: string; to: string; value: bigint }[] = [];
  const drawn = new Map<string, bigint>([[txid, root.outputs[Number(vout)]!.value]]);
  let full = false;
  let truncated = false;
  for (const tx of order) {
    const d = depth.get(tx.id)!;
    if (tx.isCoinbase()) {
      expanded.set(tx.id, true);
      continue;
    }
    const parents = [...new Set(tx.inputs.map((i) => coinOf(i.prevout).slice(0, 64)))].filter((id) => !depth.has(id));
    if (d >= maxDepth || full || order.length + parents.length > maxNodes) {
      if (d < maxDepth && !full) full = true;
      truncated = true;
      expanded.set(tx.id, false);
      continue;
    }
    expanded.set(tx.id, true);
    for (const id of parents) {
      depth.set(id, d + 1);
      order.push(txs.get(id)!);
    }
    for (const input of tx.inputs) {
      const from = coinOf(input.prevout);
      const value = txs.get(from.slice(0, 64))!.outputs[input.prevout.vout]!.value;
      edges.push({ from, to: tx.id, value });
      drawn.set(from.slice(0, 64), (drawn.get(from.slice(0, 64)) ?? 0n) + value);
    }
  }
  return {
    nodes: order.map((tx) => ({ id: tx.id, depth: depth.get(tx.id)!, isCoinbase: tx.isCoinbase(), expanded: expanded.get(tx.id)! })),
    edges,
    coinbases: order.filter((tx) => tx.isCoinbase()).map((tx) => ({ txid: tx.id, value: drawn.get(tx.id)! })),
    truncated,
  };
}

/** 'txid:vout' of an outpoint (display-order txid). */
export function coinOf(o: { txid: Uint8Array; vout: number }): string {
  return `${bytesToHexReversed(o.txid)}:${o.vout}`;
}

/** An ancestry without blocks and miners, to compare with referenceAncestry. */
export function withoutBlocks(a: Ancestry) {
  return {
    nodes: a.nodes.map(({ id, depth, isCoinbase, expanded }) => ({ id, depth, isCoinbase, expanded })),
    edges: a.edges,
    coinbases: a.coinbases.map(({ txid, value }) => ({ txid, value })),
    truncated: a.truncated,
  };
}

// The ancestry walk of provenance: breadth-first from a coin's transaction through its inputs, over integer ids.

import type Database from 'better-sqlite3';
import type { AncestryEdge, BlockRef } from '../../shared/explorer.ts';

type Db = Database.Database;
type Statement = Database.Statement;

/** A transaction of the view's best chain, as the walk reads it (by its txid id). */
export interface AncestryTx {
  /** Display-order hex (a parent's is a slice of its batch's concatenated txids, see copiesOf). */
  txid: string;
  txidId: number;
  isCoinbase: boolean;
  position: number;
  firstInput: number;
  inputCount: number;
  firstOutput: number;
  outputCount: number;
  block: BlockRef;
  /** Depth in the graph; -1 while the transaction is only a parent read for a batch, not (yet) in the graph. */
  depth: number;
  /**
   * Satoshis the graph draws from this transaction's outputs: its edges out (or the coin itself). A number:
   * each output is drawn at most once, so this is at most the transaction's output total, below 2^53.
   */
  drawn: number;
  /**
   * Once expanded, where its inputs' edges (in vin order; none for a coinbase) start in the walk's `edges`;
   * -1 while not expanded.
   */
  firstEdge: number;
}

/** What a walk found: the graph's transactions in breadth-first order (the coin's own first), and its edges. */
export interface Walk {
  order: AncestryTx[];
  /** The edges into each expanded transaction, in the order of `order`: the ancestry's edges as answered. */
  edges: AncestryEdge[];
  truncated: boolean;
}

/** Number of edges into `n` once it is expanded. */
export function edgeCount(n: AncestryTx): number {
  return n.isCoinbase ? 0 : n.inputCount;
}

/** Inputs (or parents) read per statement while walking. */
export const WALK_BATCH = 4096;

/**
 * The walk's two statements. Both take a JSON array of ids, read through json_each so that a batch is one
 * statement; CROSS JOIN keeps the id list as the outer loop (SQLite does not reorder a CROSS JOIN). Each
 * answers a single row, one aggregate per column, all filled by the same pass over the rows (so they line up
 * row for row): better-sqlite3 makes an array and a value per column for every row it returns, which costs
 * more (in time and in garbage) than SQLite writing the numbers as one JSON array per column and JSON.parse
 * reading them back.
 */
export function prepareWalkStatements(db: Db): { inputsOf: Statement; copiesOf: Statement } {
  const p = (sql: string): Statement => db.prepare(sql).raw(true);
  return {
    /** Inputs by id: the list position (rows follow the list; checked), then the txid id, vout and value of the coin each spends. */
    inputsOf: p(`SELECT json_group_array(r.key), json_group_array(i.prev_txid_id), json_group_array(i.prev_vout), json_group_array(i.prev_value)
      FROM json_each(?) r CROSS JOIN inputs i ON i.id = r.value`),
    /**
     * Every stored copy (one per block) of the transactions with these txid ids: txid id, is_coinbase, position,
     * first_input_id, input_count, first_output_id, output_count, block_id (all from the covering index
     * txs_txid), and the txids as lower-case hex, concatenated: 64 characters each. The walk cuts them out
     * of the one string (a slice is a small object pointing into it), so the garbage collector copies a few
     * bytes per txid rather than each txid's 64 characters whenever it moves the graph being built.
     */
    copiesOf: p(`SELECT json_group_array(t.txid_id), json_group_array(t.is_coinbase), json_group_array(t.position), json_group_array(t.first_input_id),
      json_group_array(t.input_count), json_group_array(t.first_output_id), json_group_array(t.output_count), json_group_array(t.block_id),
      coalesce(group_concat(lower(hex(x.txid)), ''), '')
      FROM json_each(?) r CROSS JOIN txids x ON x.id = r.value CROSS JOIN txs t ON t.txid_id = r.value`),
  };
}

export type WalkStatements = ReturnType<typeof prepareWalkStatements>;

/** The inputs of a batch, column by column, in the order of the ids asked for. */
interface InputColumns {
  prevTxidId: (number | null)[];
  prevVout: number[];
  prevValue: (number | null)[];
}

/**
 * Breadth-first from `root` (depth 0, in the view's best chain) through every input, in input order. A node
 * at maxDepth is not expanded; a node whose new parents would push the graph past maxNodes is not expanded
 * either, and the walk adds no further nodes (so every node's inputs are all edges or none are).
 *
 * `blockOf` answers a block id with its reference when the block is on the view's best chain, else null: of
 * a parent's stored copies the walk keeps the one in the view's best chain. Run it inside one read
 * transaction, so that every statement reads the same snapshot.
 */
export function walkAncestry(s: WalkStatements, root: AncestryTx, blockOf: (blockId: number) => BlockRef | null, maxDepth: number, maxNodes: number): Walk {
  // Every transaction read so far by txid id: the graph's nodes (depth >= 0) and parents read for a batch.
  const known = new Map<number, AncestryTx>([[root.txidId, root]]);
  const order: AncestryTx[] = [root];
  const edges: AncestryEdge[] = [];
  let truncated = false;
  let full = false;
  // Of the node being linked: its parents new to the graph, and the parent of each input. Reused, and cleared by
  // counting rather than by `length = 0`, which would free their storage for every node.
  const fresh: AncestryTx[] = [];
  const parents: AncestryTx[] = [];

  for (let head = 0; head < order.length; ) {
    // 1. The next run of nodes, and the inputs of those to expand (ids of one node's inputs are contiguous).
    const start = head;
    const reading = !full; // once the graph is full, no node is expanded
    const ids: number[] = [];
    for (; head < order.length; head++) {
      const n = order[head]!;
      if (!reading || n.isCoinbase || n.depth >= maxDepth) continue;
      if (ids.length > 0 && ids.length + n.inputCount > WALK_BATCH) break;
      for (let i = 0; i < n.inputCount; i++) ids.push(n.firstInput + i);
    }
    const inputs = readInputs(s, ids);

    // 2. The copy in the view's best chain of each parent not read yet.
    const wanted: number[] = [];
    for (const id of inputs.prevTxidId) {
      if (id !== null && !known.has(id)) {
        known.set(id, UNREAD);
        wanted.push(id);
      }
    }
    // In ascending order: B-tree seeks in id order run over each page once (measured ~15% faster). A typed array
    // sorts numbers without a comparator.
    readParents(s, Array.from(Float64Array.from(wanted).sort()), blockOf, known);

    // 3. Link the run's nodes to their parents, in order; `key` is where the next node's inputs are in `inputs`.
    let key = 0;
    for (let b = start; b < head; b++) {
      const n = order[b]!;
      if (n.isCoinbase) {
        n.firstEdge = edges.length;
        continue;
      }
      if (n.depth >= maxDepth || full) {
        truncated = true;
        if (reading && n.depth < maxDepth) key += n.inputCount; // read before the graph filled up: skip them
        continue;
      }
      let freshCount = 0;
      const firstEdge = edges.length;
      const firstKey = key;
      for (let vin = 0; vin < n.inputCount; vin++, key++) {
        const parentId = inputs.prevTxidId[key]!;
        const value = inputs.prevValue[key]!;
        const vout = inputs.prevVout[key]!;
        const parent = parentId === null ? undefined : known.get(parentId);
        if (parent === undefined || parent === UNREAD || value === null || vout >= parent.outputCount) {
          throw new Error(`provenance: ${n.txid} input ${vin} spends an output the index does not hold confirmed in the view's best chain`);
        }
        if (parent.depth < 0) {
          parent.depth = n.depth + 1;
          fresh[freshCount++] = parent;
        }
        parents[vin] = parent;
        edges.push({ from: `${parent.txid}:${vout}`, to: n.txid, value: BigInt(value) });
      }
      if (order.length + freshCount > maxNodes) {
        for (let i = 0; i < freshCount; i++) fresh[i]!.depth = -1;
        edges.length = firstEdge;
        truncated = true;
        full = true;
        continue;
      }
      n.firstEdge = firstEdge;
      for (let i = 0; i < freshCount; i++) order.push(fresh[i]!);
      for (let vin = 0; vin < n.inputCount; vin++) parents[vin]!.drawn += inputs.prevValue[firstKey + vin]!;
    }
  }
  return { order, edges, truncated };
}

/** Placeholder in `known` for a parent asked for whose copy in the view's best chain is not read (yet). */
const UNREAD: AncestryTx = Object.freeze({
  txid: '',
  txidId: -1,
  isCoinbase: false,
  position: -1,
  firstInput: 0,
  inputCount: 0,
  firstOutput: 0,
  outputCount: 0,
  block: { hash: '', height: -1 },
  depth: -1,
  drawn: 0,
  firstEdge: -1,
});

/** The inputs with ids `ids`, in that order. */
function readInputs(s: WalkStatements, ids: number[]): InputColumns {
  if (ids.length === 0) return { prevTxidId: [], prevVout: [], prevValue: [] };
  const row = s.inputsOf.get(JSON.stringify(ids)) as [string, string, string, string];
  const keys = JSON.parse(row[0]) as number[];
  const prevTxidId = JSON.parse(row[1]) as (number | null)[];
  const prevVout = JSON.parse(row[2]) as number[];
  const prevValue = JSON.parse(row[3]) as (number | null)[];
  if (keys.length !== ids.length) throw new Error(`provenance: expected ${ids.length} input rows, got ${keys.length}`);
  if (keys.every((k, i) => k === i)) return { prevTxidId, prevVout, prevValue };
  // Not in the list's order (SQLite does not promise one without ORDER BY): put each where its key says.
  const sorted: InputColumns = { prevTxidId: [], prevVout: [], prevValue: [] };
  keys.forEach((k, i) => {
    sorted.prevTxidId[k] = prevTxidId[i]!;
    sorted.prevVout[k] = prevVout[i]!;
    sorted.prevValue[k] = prevValue[i]!;
  });
  return sorted;
}

/** Reads the transactions with txid ids `ids` into `known`, each as its copy in the view's best chain (depth -1). */
function readParents(s: WalkStatements, ids: number[], blockOf: (blockId: number) => BlockRef | null, known: Map<number, AncestryTx>): void {
  for (let i = 0; i < ids.length; i += WALK_BATCH) {
    const row = s.copiesOf.get(JSON.stringify(ids.slice(i, i + WALK_BATCH))) as string[];
    type Column = number[];
    const [txidId, isCoinbase, position, firstInput, inputCount, firstOutput, outputCount, blockId] = row.slice(0, 8).map((c) => JSON.parse(c) as Column) as [
      Column, Column, Column, Column, Column, Column, Column, Column,
    ];
    const txids = row[8]!;
    if (txids.length !== 64 * txidId.length) throw new Error(`provenance: expected ${txidId.length} txids, got ${txids.length / 64}`);
    for (let r = 0; r < txidId.length; r++) {
      const id = txidId[r]!;
      if (known.get(id) !== UNREAD) continue; // a copy in the best chain was found already
      const block = blockOf(blockId[r]!);
      if (block === null) continue; // a copy in a block off the view's best chain
      known.set(id, {
        txid: txids.slice(64 * r, 64 * r + 64),
        txidId: id,
        isCoinbase: isCoinbase[r] === 1,
        position: position[r]!,
        firstInput: firstInput[r]!,
        inputCount: inputCount[r]!,
        firstOutput: firstOutput[r]!,
        outputCount: outputCount[r]!,
        block,
        depth: -1,
        drawn: 0,
        firstEdge: -1,
      });
    }
  }
}

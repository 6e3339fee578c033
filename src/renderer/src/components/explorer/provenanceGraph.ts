// The provenance graphs as plain data for cytoscape: transactions as nodes, value flows as edges (parallel
// spends between the same two transactions merged into one edge with their summed value).

import type { Ancestry, Descendants, Wire } from '@shared/api';
import { btc, short } from '../../format';

export type GraphNodeKind = 'root' | 'coinbase' | 'tx' | 'frontier';

export interface GraphNode {
  id: string;
  label: string;
  kind: GraphNodeKind;
  /** Spends between the node and the root (0 for the root). */
  depth: number;
}

/** Levels (distinct depths) and the most nodes on one level: what the layout needs room for. */
export function extent(m: GraphModel): { levels: number; widest: number } {
  const perLevel = new Map<number, number>();
  for (const n of m.nodes) perLevel.set(n.depth, (perLevel.get(n.depth) ?? 0) + 1);
  return { levels: perLevel.size, widest: Math.max(1, ...perLevel.values()) };
}

/** An edge from the root side outward (so a directed breadth-first layout starts at the root). */
export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  label: string;
}

export interface GraphModel {
  root: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

const txOf = (coin: string): string => coin.slice(0, coin.indexOf(':'));

/** Sums the value of every spend between the same two transactions; `outward` orders each pair root-side first. */
function mergeEdges(spends: { from: string; to: string; value: string }[], outward: (funder: string, spender: string) => [string, string]): GraphEdge[] {
  const sums = new Map<string, { source: string; target: string; value: bigint; count: number }>();
  for (const s of spends) {
    const [source, target] = outward(txOf(s.from), s.to);
    const key = `${source}>${target}`;
    const e = sums.get(key) ?? { source, target, value: 0n, count: 0 };
    e.value += BigInt(s.value);
    e.count++;
    sums.set(key, e);
  }
  return [...sums.entries()].map(([id, e]) => ({
    id,
    source: e.source,
    target: e.target,
    label: e.count > 1 ? `${btc(e.value)} (${e.count})` : btc(e.value),
  }));
}

/** Ancestry: the root is the coin's transaction; edges point from a spender to the transaction that funded it. */
export function ancestryGraph(a: Wire<Ancestry>): GraphModel {
  const root = txOf(a.coin);
  const nodes = a.nodes.map((n): GraphNode => {
    const kind: GraphNodeKind = n.id === root ? 'root' : n.isCoinbase ? 'coinbase' : n.expanded ? 'tx' : 'frontier';
    return { id: n.id, kind, depth: n.depth, label: n.isCoinbase ? `coinbase ${n.block.height}` : short(n.id, 6, 4) };
  });
  return { root, nodes, edges: mergeEdges(a.edges, (funder, spender) => [spender, funder]) };
}

/** Descendants: the root is the coin's transaction; edges point from a transaction to its spenders. */
export function descendantsGraph(d: Wire<Descendants>): GraphModel {
  const root = txOf(d.coin);
  const nodes: GraphNode[] = [{ id: root, kind: 'root', depth: 0, label: short(root, 6, 4) }];
  for (const n of d.nodes) if (n.id !== root) nodes.push({ id: n.id, kind: n.expanded ? 'tx' : 'frontier', depth: n.depth, label: short(n.id, 6, 4) });
  const known = new Set(nodes.map((n) => n.id));
  const edges = mergeEdges(d.edges, (funder, spender) => [funder, spender]).filter((e) => known.has(e.source) && known.has(e.target));
  return { root, nodes, edges };
}

// The provenance graphs as plain data: transactions as nodes, value flows as edges (parallel spends between the same
// two transactions merged into one edge with their summed value), and their layered layout for ProvenanceGraph.vue.

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

/** Room per level (along the flow) and per node on a level (across it), in drawing units. */
export const LEVEL = 190;
export const ROW = 44;
const MARGIN = { x: 70, y: 30 };

export interface PlacedNode extends GraphNode {
  x: number;
  y: number;
}
export interface PlacedEdge extends GraphEdge {
  /** From the funding transaction to the spending one: the way value flows. */
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}
export interface GraphLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

/**
 * Layers by depth, left to right in the direction value flows: 'in' (ancestry) ends at the root on the right, 'out'
 * (descendants) starts from it on the left. On each level, nodes are ordered by the mean position of their neighbours
 * on the level before (the barycentre heuristic), so edges between levels mostly do not cross.
 */
export function layoutGraph(m: GraphModel, flow: 'in' | 'out'): GraphLayout {
  const push = <K, V>(map: Map<K, V[]>, k: K, v: V): void => void (map.get(k)?.push(v) ?? map.set(k, [v]));
  const levels = new Map<number, GraphNode[]>();
  for (const n of m.nodes) push(levels, n.depth, n);
  const depths = [...levels.keys()].sort((a, b) => a - b);
  const neighbours = new Map<string, string[]>();
  for (const e of m.edges) {
    push(neighbours, e.source, e.target);
    push(neighbours, e.target, e.source);
  }
  const slot = new Map<string, number>();
  for (const d of depths) {
    const level = levels.get(d)!;
    const centre = (n: GraphNode): number => {
      const placed = (neighbours.get(n.id) ?? []).map((id) => slot.get(id)).filter((s): s is number => s !== undefined);
      return placed.length ? placed.reduce((a, b) => a + b, 0) / placed.length : 0;
    };
    const keyed = level.map((n, i) => ({ n, key: centre(n), i }));
    keyed.sort((a, b) => a.key - b.key || a.i - b.i);
    keyed.forEach(({ n }, i) => slot.set(n.id, i - (keyed.length - 1) / 2));
  }
  const widest = Math.max(1, ...[...levels.values()].map((l) => l.length));
  const last = depths.length - 1;
  const column = new Map(depths.map((d, i) => [d, flow === 'in' ? last - i : i]));
  const nodes = m.nodes.map((n): PlacedNode => ({ ...n, x: MARGIN.x + column.get(n.depth)! * LEVEL, y: MARGIN.y + (slot.get(n.id)! + (widest - 1) / 2) * ROW }));
  const at = new Map(nodes.map((n) => [n.id, n]));
  const edges: PlacedEdge[] = [];
  for (const e of m.edges) {
    const a = at.get(e.source);
    const b = at.get(e.target);
    if (!a || !b) continue;
    // Edges point away from the root; value flows toward it in the ancestry, away from it in the descendants.
    const [from, to] = flow === 'in' ? [b, a] : [a, b];
    edges.push({ ...e, x1: from.x, y1: from.y, x2: to.x, y2: to.y });
  }
  return { nodes, edges, width: 2 * MARGIN.x + last * LEVEL, height: 2 * MARGIN.y + (widest - 1) * ROW };
}

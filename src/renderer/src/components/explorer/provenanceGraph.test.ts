import { describe, expect, it } from 'vitest';
import { LEVEL, ROW, layoutGraph, type GraphModel } from './provenanceGraph.ts';

// Ancestry of R: R spends A and B; A spends coinbase C1; B spends coinbase C2. Edges point away from the root.
//   C1 -> A \
//             R
//   C2 -> B /
const model: GraphModel = {
  root: 'R',
  nodes: [
    { id: 'R', label: 'R', kind: 'root', depth: 0 },
    { id: 'B', label: 'B', kind: 'tx', depth: 1 },
    { id: 'A', label: 'A', kind: 'tx', depth: 1 },
    { id: 'C1', label: 'coinbase 1', kind: 'coinbase', depth: 2 },
    { id: 'C2', label: 'coinbase 2', kind: 'coinbase', depth: 2 },
  ],
  edges: [
    { id: 'R>B', source: 'R', target: 'B', label: '' },
    { id: 'R>A', source: 'R', target: 'A', label: '' },
    { id: 'A>C1', source: 'A', target: 'C1', label: '' },
    { id: 'B>C2', source: 'B', target: 'C2', label: '' },
  ],
};
const at = (l: ReturnType<typeof layoutGraph>, id: string) => l.nodes.find((n) => n.id === id)!;

describe('layoutGraph', () => {
  it('puts the root last when value flows in (ancestry), first when it flows out, one level per depth', () => {
    const ancestry = layoutGraph(model, 'in');
    expect(at(ancestry, 'R').x - at(ancestry, 'A').x).toBe(LEVEL);
    expect(at(ancestry, 'A').x - at(ancestry, 'C1').x).toBe(LEVEL);
    const descendants = layoutGraph(model, 'out');
    expect(at(descendants, 'A').x - at(descendants, 'R').x).toBe(LEVEL);
  });

  it('draws every edge from the funding transaction to the spending one', () => {
    const ancestry = layoutGraph(model, 'in');
    for (const e of ancestry.edges) expect(e.x1).toBeLessThan(e.x2);
    const rToA = ancestry.edges.find((e) => e.id === 'R>A')!;
    expect([rToA.x1, rToA.y1, rToA.x2, rToA.y2]).toEqual([at(ancestry, 'A').x, at(ancestry, 'A').y, at(ancestry, 'R').x, at(ancestry, 'R').y]);
  });

  it('orders a level by its neighbours on the level before, so the two chains do not cross', () => {
    const l = layoutGraph(model, 'in');
    expect(Math.abs(at(l, 'A').y - at(l, 'B').y)).toBe(ROW);
    // C1 sits beside A, C2 beside B, whichever order A and B took.
    expect(Math.sign(at(l, 'C1').y - at(l, 'C2').y)).toBe(Math.sign(at(l, 'A').y - at(l, 'B').y));
  });

  it('sizes the drawing to hold its widest level, with every node inside it', () => {
    const l = layoutGraph(model, 'in');
    for (const n of l.nodes) {
      expect(n.x).toBeGreaterThan(0);
      expect(n.x).toBeLessThan(l.width);
      expect(n.y).toBeGreaterThan(0);
      expect(n.y).toBeLessThan(l.height);
    }
  });
});

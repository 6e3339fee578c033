// Lays out the block tree: x by height, one lane (row) per branch. The branch the chosen view holds as best chain
// keeps lane 0 through every fork; other children open new lanes below, deepest branch first.

import type { TreeBlock, Wire } from '@shared/api';

export interface PlacedBlock {
  block: Wire<TreeBlock>;
  lane: number;
}

export function layoutBlockTree(blocks: readonly Wire<TreeBlock>[], view: string): { placed: PlacedBlock[]; lanes: number } {
  const byHash = new Map(blocks.map((b) => [b.hash, b]));
  const children = new Map<string, Wire<TreeBlock>[]>();
  const roots: Wire<TreeBlock>[] = [];
  for (const b of blocks) {
    if (b.prevHash !== null && byHash.has(b.prevHash)) {
      const list = children.get(b.prevHash) ?? [];
      list.push(b);
      children.set(b.prevHash, list);
    } else roots.push(b);
  }
  // Deepest height under each block, computed from the highest blocks down.
  const deepest = new Map<string, number>();
  for (const b of [...blocks].sort((x, y) => y.height - x.height)) {
    const kids = children.get(b.hash) ?? [];
    deepest.set(b.hash, Math.max(b.height, ...kids.map((k) => deepest.get(k.hash) ?? k.height)));
  }
  const onView = (b: Wire<TreeBlock>) => b.views[view]?.status === 'active';
  const rank = (a: Wire<TreeBlock>, b: Wire<TreeBlock>) =>
    Number(onView(b)) - Number(onView(a)) || (deepest.get(b.hash) ?? 0) - (deepest.get(a.hash) ?? 0) || a.hash.localeCompare(b.hash);

  const placed: PlacedBlock[] = [];
  let lanes = 0;
  // Iterative depth-first walk: the first child continues its parent's lane.
  const stack: { block: Wire<TreeBlock>; lane: number }[] = [];
  for (const root of [...roots].sort((a, b) => a.height - b.height || rank(a, b)).reverse()) stack.push({ block: root, lane: -1 });
  while (stack.length > 0) {
    const { block, lane: given } = stack.pop()!;
    const lane = given >= 0 ? given : lanes++;
    placed.push({ block, lane });
    const kids = [...(children.get(block.hash) ?? [])].sort(rank);
    // Pushed in reverse so the main child is walked first and later siblings get the next free lanes.
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ block: kids[i]!, lane: i === 0 ? lane : -1 });
  }
  return { placed, lanes };
}

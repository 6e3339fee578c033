// Merkle roots as Bitcoin computes them: odd levels duplicate their last hash; CVE-2012-2459 mutation detection.

import { concatBytes, equalBytes, type Bytes } from './bytes.ts';
import { sha256d } from './hash.ts';

export interface MerkleResult {
  root: Bytes;
  /**
   * True when some level holds two equal adjacent hashes at a pair position: such a tree has the same root
   * as a different transaction list (CVE-2012-2459), so a block showing it must be rejected as mutated.
   */
  mutated: boolean;
}

/** Merkle root of hashes in internal byte order. An empty list gives 32 zero bytes. */
export function computeMerkleRoot(leaves: readonly Bytes[]): MerkleResult {
  if (leaves.length === 0) return { root: new Uint8Array(32), mutated: false };
  let level = leaves.slice();
  let mutated = false;
  while (level.length > 1) {
    for (let i = 0; i + 1 < level.length; i += 2) if (equalBytes(level[i]!, level[i + 1]!)) mutated = true;
    if (level.length % 2 === 1) level.push(level[level.length - 1]!);
    const next: Bytes[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(sha256d(concatBytes(level[i]!, level[i + 1]!)));
    level = next;
  }
  return { root: level[0]!, mutated };
}

/** The sibling hashes proving leaf `index`, bottom-up (for explorers and SPV-style proofs). */
export function merkleBranch(leaves: readonly Bytes[], index: number): Bytes[] {
  const branch: Bytes[] = [];
  let level = leaves.slice();
  let i = index;
  while (level.length > 1) {
    if (level.length % 2 === 1) level.push(level[level.length - 1]!);
    branch.push(level[i ^ 1]!);
    const next: Bytes[] = [];
    for (let j = 0; j < level.length; j += 2) next.push(sha256d(concatBytes(level[j]!, level[j + 1]!)));
    level = next;
    i >>= 1;
  }
  return branch;
}

/** Recomputes the root from a leaf and its branch. */
export function rootFromBranch(leaf: Bytes, branch: readonly Bytes[], index: number): Bytes {
  let h = leaf;
  let i = index;
  for (const sibling of branch) {
    h = i & 1 ? sha256d(concatBytes(sibling, h)) : sha256d(concatBytes(h, sibling));
    i >>= 1;
  }
  return h;
}

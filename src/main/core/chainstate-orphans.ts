// The orphan pool: blocks whose parent is not known yet, kept by parent id until it arrives, a bounded number of them.

import type { Block } from './block.ts';

export interface OrphanBlock {
  block: Block;
  /** Who sent it, as for processBlock. */
  source?: string;
}

export class OrphanPool {
  /** Blocks whose parent is unknown, by parent id. */
  private readonly orphans = new Map<string, OrphanBlock[]>();
  private orphanCount = 0;
  private readonly maxOrphans: number;

  constructor(maxOrphans: number) {
    this.maxOrphans = maxOrphans;
  }

  ids(): string[] {
    return [...this.orphans.values()].flat().map((o) => o.block.id);
  }

  /** Keeps `block` (once) until its parent `parentId` arrives; when full, first evicts the oldest orphan of the parent waited for longest. */
  add(block: Block, parentId: string, source?: string): void {
    const list = this.orphans.get(parentId) ?? [];
    if (!list.some((o) => o.block.id === block.id)) {
      if (this.orphanCount >= this.maxOrphans) this.evict();
      list.push({ block, ...(source !== undefined ? { source } : {}) });
      this.orphans.set(parentId, list);
      this.orphanCount++;
    }
  }

  /** Removes and returns the orphans whose parent is `parentId`, oldest first. */
  take(parentId: string): OrphanBlock[] | undefined {
    const list = this.orphans.get(parentId);
    if (!list) return undefined;
    this.orphans.delete(parentId);
    this.orphanCount -= list.length;
    return list;
  }

  private evict(): void {
    const first = this.orphans.keys().next();
    if (first.done) return;
    const list = this.orphans.get(first.value)!;
    list.shift();
    this.orphanCount--;
    if (list.length === 0) this.orphans.delete(first.value);
  }
}

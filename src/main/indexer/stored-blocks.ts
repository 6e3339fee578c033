// What queries ask of stored blocks many times over, kept in memory: which heights hold more than one block, and block hashes.

import type Database from 'better-sqlite3';

type Db = Database.Database;

/** Block hashes kept at most; past it the map starts over (a miss is one primary-key read). */
const MAX_HASHES = 50_000;

/**
 * A block row is never deleted and its hash and height never change, and block ids grow with each insert
 * (see the schema). So a fact about the blocks with ids up to N stays true, and the cache stays exact by
 * reading, before each use, only the blocks inserted since: one probe of the last id when there are none.
 * Use it only in a read of committed rows (never inside a write transaction that may roll back).
 */
export class StoredBlocks {
  private readonly s: ReturnType<typeof prepare>;
  /** Heights at which the index holds two or more blocks, among the blocks with id <= lastId. */
  private contested = new Set<number>();
  private lastId = 0;
  private readonly hashes = new Map<number, string>();

  constructor(db: Db) {
    this.s = prepare(db);
  }

  /**
   * A test of "block `blockId` at `height` is on the best chain of the view whose tip is at `tipHeight`",
   * as `view_blocks` answers it. The view's best chain holds one stored block at each height 0..tipHeight,
   * so at a height where the index holds a single block, that block is the chain's; view_blocks is read only
   * at contested heights (once per height per test). Make the test inside the read transaction that reads
   * the rows it is applied to.
   */
  activeTest(viewId: number, tipHeight: number): (height: number, blockId: number) => boolean {
    this.refresh();
    const contested = this.contested;
    const activeAt = this.s.activeAt;
    const seen = new Map<number, number | null>();
    return (height, blockId) => {
      if (height > tipHeight) return false;
      if (!contested.has(height)) return true;
      let active = seen.get(height);
      if (active === undefined) {
        active = (activeAt.get(viewId, height) as number | undefined) ?? null;
        seen.set(height, active);
      }
      return active === blockId;
    };
  }

  /** The display-order hex hash of a stored block. */
  hash(blockId: number): string {
    let hash = this.hashes.get(blockId);
    if (hash === undefined) {
      hash = this.s.hash.get(blockId) as string | undefined;
      if (hash === undefined) throw new Error(`stored blocks: expected a block with id ${blockId}, got none`);
      if (this.hashes.size >= MAX_HASHES) this.hashes.clear();
      this.hashes.set(blockId, hash);
    }
    return hash;
  }

  /** Folds in the blocks inserted since the last use. */
  private refresh(): void {
    const last = (this.s.lastId.get() as number | null) ?? 0;
    if (last === this.lastId) return;
    if (last < this.lastId) {
      // Fewer blocks than before: not the file this cache was filled from (or a rolled-back write was read).
      this.contested = new Set();
      this.hashes.clear();
      this.lastId = 0;
    }
    const heights = (this.lastId === 0 ? this.s.allContested.all() : this.s.newlyContested.all(this.lastId)) as number[];
    for (const h of heights) this.contested.add(h);
    this.lastId = last;
  }
}

function prepare(db: Db) {
  return {
    lastId: db.prepare('SELECT max(id) FROM blocks').pluck(),
    allContested: db.prepare('SELECT height FROM blocks GROUP BY height HAVING count(*) > 1').pluck(),
    /** Heights of blocks inserted after @id at which another block is stored (before or after it). */
    newlyContested: db.prepare('SELECT DISTINCT b.height FROM blocks b WHERE b.id > ? AND EXISTS (SELECT 1 FROM blocks o WHERE o.height = b.height AND o.id <> b.id)').pluck(),
    activeAt: db.prepare('SELECT block_id FROM view_blocks WHERE view_id = ? AND height = ?').pluck(),
    hash: db.prepare('SELECT lower(hex(hash)) FROM blocks WHERE id = ?').pluck(),
  };
}

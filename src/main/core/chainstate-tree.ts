// The block tree: every block seen as an entry with its chain work, the tips of its branches and the active
// chain through it, with the queries consensus asks of them (Bitcoin Core's block index and CChain).

import type { Bytes } from './bytes.ts';
import type { BlockHeader } from './header.ts';
import type { NetworkParams } from './params.ts';
import { nextBitsRequired, workFromBits } from './pow.ts';
import type { ParentContext } from './validate.ts';

/** A block in the tree (CBlockIndex). */
export interface BlockEntry {
  readonly id: string;
  readonly hash: Bytes;
  readonly header: BlockHeader;
  readonly height: number;
  /** Cumulative work from genesis up to and including this block. */
  readonly chainWork: bigint;
  readonly parent: BlockEntry | null;
  /** Order in which this node received the block's data: the earlier of two equal-work tips wins. */
  sequence: number;
  /** Whether the full block (not only its header) is stored. */
  hasData: boolean;
  /** Set when this block or an ancestor broke a rule. */
  invalid: string | null;
  readonly children: BlockEntry[];
  /** Cached median time past. */
  mtp?: number;
  /** Who sent the block's data first ('local' for own blocks); undefined for headers only. */
  source?: string;
}

/** The tree and its active chain; Chainstate adds the block data, the UTXO set and the rules that move the tip. */
export class BlockTree {
  readonly params: NetworkParams;
  protected readonly entries = new Map<string, BlockEntry>();
  /** The active chain by height. */
  protected readonly active: BlockEntry[] = [];
  /** Entries without children: the tips of all branches. */
  private readonly leaves = new Set<BlockEntry>();
  /** The next BlockEntry.sequence to hand out. */
  protected sequence = 0;
  private readonly workByBits = new Map<number, bigint>();

  constructor(params: NetworkParams) {
    this.params = params;
    const g = params.genesis;
    const genesis: BlockEntry = {
      id: g.id,
      hash: g.hash,
      header: g.header,
      height: 0,
      chainWork: workFromBits(g.header.bits),
      parent: null,
      sequence: this.sequence++,
      hasData: true,
      invalid: null,
      children: [],
    };
    this.entries.set(genesis.id, genesis);
    this.active.push(genesis);
    this.leaves.add(genesis);
  }

  // ---- queries ----

  get tip(): BlockEntry {
    return this.active[this.active.length - 1]!;
  }

  get height(): number {
    return this.active.length - 1;
  }

  get genesis(): BlockEntry {
    return this.active[0]!;
  }

  getEntry(id: string): BlockEntry | undefined {
    return this.entries.get(id);
  }

  /** The active chain's entry at `height`. */
  entryAtHeight(height: number): BlockEntry | undefined {
    return this.active[height];
  }

  isInActiveChain(entry: BlockEntry): boolean {
    return this.active[entry.height] === entry;
  }

  /** Every entry known (active chain, side branches, invalid ones, headers without data). */
  allEntries(): IterableIterator<BlockEntry> {
    return this.entries.values();
  }

  /** Leaves of the block tree: the active tip and the tip of every side branch. */
  tips(): BlockEntry[] {
    return [...this.leaves];
  }

  getAncestor(entry: BlockEntry, height: number): BlockEntry {
    if (height < 0 || height > entry.height) throw new RangeError(`ancestor height ${height} outside 0..${entry.height}`);
    if (this.active[entry.height] === entry) return this.active[height]!;
    let e: BlockEntry = entry;
    while (e.height > height) {
      if (this.active[e.height] === e) return this.active[height]!;
      e = e.parent!;
    }
    return e;
  }

  /** Median of the times of the last medianTimeSpan blocks ending at `entry` (GetMedianTimePast). */
  medianTimePast(entry: BlockEntry): number {
    if (entry.mtp !== undefined) return entry.mtp;
    const times: number[] = [];
    for (let e: BlockEntry | null = entry; e && times.length < this.params.medianTimeSpan; e = e.parent) times.push(e.header.time);
    times.sort((a, b) => a - b);
    entry.mtp = times[Math.floor(times.length / 2)]!;
    return entry.mtp;
  }

  /** Bits a child of `parent` must carry. */
  nextBits(parent: BlockEntry): number {
    const p = this.params;
    return nextBitsRequired(
      { height: parent.height, bits: parent.header.bits, time: parent.header.time },
      () => this.getAncestor(parent, Math.max(0, parent.height - (p.retargetInterval - 1))).header.time,
      p,
    );
  }

  parentContext(parent: BlockEntry): ParentContext {
    return { height: parent.height, medianTimePast: this.medianTimePast(parent), requiredBits: this.nextBits(parent) };
  }

  /** Block locator: hashes back from the tip, dense then exponentially sparse, ending at genesis. */
  locator(from: BlockEntry = this.tip): string[] {
    const ids: string[] = [];
    let step = 1;
    let e: BlockEntry = from;
    for (;;) {
      ids.push(e.id);
      if (e.height === 0) break;
      e = this.getAncestor(e, Math.max(0, e.height - step));
      if (ids.length >= 10) step *= 2;
    }
    return ids;
  }

  // ---- growth ----

  /** workFromBits, remembered per bits value (a chain has few: restoring 100,000 headers divides once). */
  private workOf(bits: number): bigint {
    let work = this.workByBits.get(bits);
    if (work === undefined) {
      work = workFromBits(bits);
      this.workByBits.set(bits, work);
    }
    return work;
  }

  protected addEntry(header: BlockHeader, parent: BlockEntry, id = header.id): BlockEntry {
    const entry: BlockEntry = {
      id,
      hash: header.hash,
      header,
      height: parent.height + 1,
      chainWork: parent.chainWork + this.workOf(header.bits),
      parent,
      sequence: this.sequence++,
      hasData: false,
      invalid: null,
      children: [],
    };
    this.entries.set(entry.id, entry);
    parent.children.push(entry);
    this.leaves.delete(parent);
    this.leaves.add(entry);
    return entry;
  }

  protected findFork(entry: BlockEntry): BlockEntry {
    let e = entry;
    while (!this.isInActiveChain(e)) e = e.parent!;
    return e;
  }
}

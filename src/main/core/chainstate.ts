// The chainstate: a tree of every block seen, the best chain by most work, the UTXO set, orphans and reorgs.

import type { Block } from './block.ts';
import { bytesToHexReversed, equalBytes, type Bytes } from './bytes.ts';
import { RuleError } from './errors.ts';
import { Emitter } from './events.ts';
import type { BlockHeader } from './header.ts';
import type { NetworkParams } from './params.ts';
import { checkProofOfWork, nextBitsRequired, workFromBits } from './pow.ts';
import { SignatureChecker } from './signatures.ts';
import { UtxoSet, type Coin } from './utxo.ts';
import {
  checkBlock,
  checkBlockContext,
  checkBlockHeaderContext,
  connectBlock,
  disconnectBlock,
  isMutationCode,
  type BlockUndo,
  type ParentContext,
} from './validate.ts';

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

export interface ChainEvents {
  blockConnected: { entry: BlockEntry; block: Block };
  blockDisconnected: { entry: BlockEntry; block: Block };
  tipChanged: { tip: BlockEntry; previous: BlockEntry };
  reorg: { depth: number; fork: BlockEntry; detached: BlockEntry[]; attached: BlockEntry[] };
  blockRejected: { id: string; code: string; reason: string; source?: string };
  /** A block's data was stored as valid so far: on the best chain or on a side branch. */
  blockAccepted: { entry: BlockEntry; block: Block; status: 'connected' | 'side-branch' };
}

export type ProcessStatus = 'connected' | 'side-branch' | 'orphan' | 'duplicate' | 'rejected';

export interface ProcessResult {
  status: ProcessStatus;
  id: string;
  code?: string;
  reason?: string;
}

export interface Rejection {
  id: string;
  code: string;
  reason: string;
  source?: string;
}

export interface ChainstateOptions {
  /** Seconds since the epoch: the only clock the chain reads (for time-too-new). */
  now: () => number;
  /** Shared between nodes of one process; a fresh checker with the reference backend when absent. */
  checker?: SignatureChecker;
  maxOrphans?: number;
  /** How many rejections to remember for display. */
  maxRejections?: number;
}

/** Where a restored chainstate reads the blocks and undo data it did not connect itself (the block store on disk). */
export interface BlockSource {
  block(entry: BlockEntry): Block | undefined;
  /** Undo data of a block of the active chain: the coins its inputs spent, per transaction after the coinbase. */
  undo(entry: BlockEntry): BlockUndo | undefined;
}

/** What a chainstate is restored from (Bitcoin Core's block index and coins database). */
export interface ChainSnapshot {
  /** Headers of the active chain above genesis, lowest first. */
  active: readonly BlockHeader[];
  /** Headers of blocks stored with data off the active chain, each after its parent. */
  side: readonly BlockHeader[];
  /** The UTXO set at the active chain's tip. */
  coins: Iterable<readonly [string, Coin]>;
  source: BlockSource;
  /**
   * Headers already checked (proof of work and context) by a chainstate of the same parameters: restore skips
   * their checks, and adds the ones it checks. A header's hash commits to its parent's, so its ancestry, and with
   * it the outcome of those checks, is the same in every chain that holds it.
   */
  checked?: WeakSet<BlockHeader>;
}

/** Thrown (as a bug, not a rule violation) when internal state would become inconsistent. */
class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export class Chainstate {
  readonly params: NetworkParams;
  readonly events = new Emitter<ChainEvents>();
  readonly checker: SignatureChecker;
  readonly utxo = new UtxoSet();
  /** Most recent rejections, newest last. */
  readonly rejections: Rejection[] = [];
  private readonly now: () => number;
  private readonly entries = new Map<string, BlockEntry>();
  private readonly blocks = new Map<string, Block>();
  private readonly undos = new Map<string, BlockUndo>();
  /** The active chain by height. */
  private readonly active: BlockEntry[] = [];
  /** Entries with data whose ancestors all have data, not invalid, with at least the tip's work. */
  private readonly candidates = new Set<BlockEntry>();
  /** Entries without children: the tips of all branches. */
  private readonly leaves = new Set<BlockEntry>();
  /** Blocks whose parent is unknown, by parent id. */
  private readonly orphans = new Map<string, { block: Block; source?: string }[]>();
  private orphanCount = 0;
  /** Hashes that failed context-free checks (other than possible mutations): never validated again. */
  private readonly badHashes = new Map<string, string>();
  private sequence = 0;
  private readonly maxOrphans: number;
  private readonly maxRejections: number;
  private readonly workByBits = new Map<number, bigint>();
  /** Blocks and undo data of a restored chain, read when first needed. */
  private source: BlockSource | null = null;

  constructor(params: NetworkParams, options: ChainstateOptions) {
    this.params = params;
    this.now = options.now;
    this.checker = options.checker ?? new SignatureChecker();
    this.maxOrphans = options.maxOrphans ?? 200;
    this.maxRejections = options.maxRejections ?? 500;
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
    this.blocks.set(genesis.id, g);
    this.active.push(genesis);
    this.candidates.add(genesis);
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

  getBlock(id: string): Block | undefined {
    const block = this.blocks.get(id);
    if (block || !this.source) return block;
    const entry = this.entries.get(id);
    const loaded = entry?.hasData ? this.source.block(entry) : undefined;
    if (loaded) this.blocks.set(id, loaded);
    return loaded;
  }

  getUndo(id: string): BlockUndo | undefined {
    const undo = this.undos.get(id);
    if (undo || !this.source) return undo;
    const entry = this.entries.get(id);
    // Only a block restored on the active chain lacks undo data it should have; one connected since has its own.
    const loaded = entry && entry.height > 0 && this.isInActiveChain(entry) ? this.source.undo(entry) : undefined;
    if (loaded) this.undos.set(id, loaded);
    return loaded;
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

  getCoin(key: string): Coin | undefined {
    return this.utxo.getCoin(key);
  }

  orphanIds(): string[] {
    return [...this.orphans.values()].flat().map((o) => o.block.id);
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

  // ---- processing ----

  /**
   * Restores a chain the way Bitcoin Core starts (LoadBlockIndex, then the coins database): each header is
   * checked as acceptHeader checks it (linkage, proof of work, difficulty, timestamps, version), the active
   * chain is the given one, the UTXO set is taken as given, and blocks are not connected again: their data and
   * undo data are read from `source` when a reorg or a peer needs them. Only on a fresh chainstate; emits no
   * events. Throws RuleError for a header that breaks a rule.
   */
  restore(s: ChainSnapshot): void {
    const steps = this.restoreSteps(s);
    while (!steps.next().done);
  }

  /**
   * restore() in steps: yields after each `slice` headers or coins, so a caller can let other work run between
   * them. The chainstate must not be used until the generator is done.
   */
  *restoreSteps(s: ChainSnapshot, slice = 5000): Generator<void, void> {
    if (this.entries.size !== 1 || this.utxo.size !== 0 || this.source) throw new AssertionError('restore: expected a fresh chainstate');
    this.source = s.source;
    let n = 0;
    for (const header of s.active) {
      const entry = this.restoreEntry(header, this.tip, s.checked);
      entry.hasData = true;
      this.active.push(entry);
      if (++n % slice === 0) yield;
    }
    for (const header of s.side) {
      const parent = this.entries.get(bytesToHexReversed(header.prevHash));
      if (!parent?.hasData) throw new RuleError('bad-prevblk', `restore: side block ${header.id} follows ${parent?.id ?? 'an unknown block'}, which has no data`);
      this.restoreEntry(header, parent, s.checked).hasData = true;
    }
    for (const [key, coin] of s.coins) {
      this.utxo.set(key, coin);
      if (++n % slice === 0) yield;
    }
    this.candidates.clear();
    this.addCandidates(this.genesis);
  }

  /** acceptHeader's checks for a restored header whose parent is known (hashing it once), then its entry. */
  private restoreEntry(header: BlockHeader, parent: BlockEntry, checked?: WeakSet<BlockHeader>): BlockEntry {
    const id = header.id;
    if (this.entries.has(id)) throw new RuleError('duplicate', `restore: block ${id} is listed twice`);
    if (!equalBytes(header.prevHash, parent.hash)) throw new RuleError('bad-prevblk', `restore: block ${id} does not extend ${parent.id}`);
    if (!checked?.has(header)) {
      checkProofOfWork(header.hash, header.bits, this.params.powLimit);
      checkBlockHeaderContext(header, this.parentContext(parent), this.params, this.now());
      checked?.add(header);
    }
    return this.addEntry(header, parent, id);
  }

  /**
   * Validates a header and adds it to the tree without data (headers-first sync, header-chain checks).
   * Returns the entry; throws RuleError when it breaks a rule (and remembers that).
   */
  acceptHeader(header: BlockHeader, source?: string): BlockEntry {
    const id = header.id;
    const known = this.entries.get(id);
    if (known) {
      if (known.invalid) throw new RuleError(known.invalid, 'block is marked invalid');
      return known;
    }
    const bad = this.badHashes.get(id);
    if (bad) throw new RuleError(bad, 'block is marked invalid');
    try {
      checkProofOfWork(header.hash, header.bits, this.params.powLimit);
    } catch (e) {
      if (e instanceof RuleError) this.reject(id, e, source);
      throw e;
    }
    const parent = this.entries.get(bytesToHexReversed(header.prevHash));
    if (!parent) throw new RuleError('prev-blk-not-found', `parent ${bytesToHexReversed(header.prevHash)} unknown`, false);
    if (parent.invalid) {
      const err = new RuleError('bad-prevblk', `parent ${parent.id} is invalid (${parent.invalid})`);
      this.reject(id, err, source);
      throw err;
    }
    try {
      checkBlockHeaderContext(header, this.parentContext(parent), this.params, this.now());
    } catch (e) {
      // A header from the future may become valid later: do not remember it as invalid.
      if (e instanceof RuleError) {
        if (e.code !== 'time-too-new') this.badHashes.set(id, e.code);
        this.reject(id, e, source);
      }
      throw e;
    }
    return this.addEntry(header, parent);
  }

  /** processBlock: validate, store, connect to the best chain if it now has the most work; process orphans it unlocks. */
  processBlock(block: Block, source?: string): ProcessResult {
    const result = this.processOne(block, source);
    if (result.status === 'connected' || result.status === 'side-branch') this.processOrphansOf(block.id);
    return result;
  }

  private processOne(block: Block, source?: string): ProcessResult {
    const id = block.id;
    const known = this.entries.get(id);
    if (known?.invalid) return { status: 'rejected', id, code: known.invalid, reason: 'block is marked invalid' };
    if (known?.hasData) return { status: 'duplicate', id };
    const bad = this.badHashes.get(id);
    if (bad) return { status: 'rejected', id, code: bad, reason: 'block is marked invalid' };

    try {
      checkBlock(block, this.params);
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      // A mutated block keeps a valid header: its hash may still arrive with the right transactions.
      if (!isMutationCode(e.code)) this.markHashBad(id, e.code);
      return this.reject(id, e, source);
    }

    const parentId = bytesToHexReversed(block.header.prevHash);
    const parent = this.entries.get(parentId);
    if (!parent) return this.addOrphan(block, parentId, source);

    let entry: BlockEntry;
    try {
      entry = known ?? this.acceptHeader(block.header, source);
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      return { status: 'rejected', id, code: e.code, reason: e.message }; // acceptHeader recorded it
    }
    try {
      checkBlockContext(block, this.parentContext(parent), this.params);
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      if (!isMutationCode(e.code)) this.markInvalid(entry, e.code);
      return this.reject(id, e, source);
    }

    this.blocks.set(id, block);
    entry.hasData = true;
    entry.sequence = this.sequence++;
    if (source !== undefined) entry.source = source;
    this.addCandidates(entry);
    const rejectedBefore = this.rejections.length;
    this.activateBestChain();
    if (this.isInActiveChain(entry)) {
      this.events.emit('blockAccepted', { entry, block, status: 'connected' });
      return { status: 'connected', id };
    }
    if (entry.invalid) {
      const r = this.rejections.slice(rejectedBefore).find((x) => x.id === id);
      return { status: 'rejected', id, code: entry.invalid, reason: r?.reason ?? entry.invalid };
    }
    this.events.emit('blockAccepted', { entry, block, status: 'side-branch' });
    return { status: 'side-branch', id };
  }

  /** workFromBits, remembered per bits value (a chain has few: restoring 100,000 headers divides once). */
  private workOf(bits: number): bigint {
    let work = this.workByBits.get(bits);
    if (work === undefined) {
      work = workFromBits(bits);
      this.workByBits.set(bits, work);
    }
    return work;
  }

  private addEntry(header: BlockHeader, parent: BlockEntry, id = header.id): BlockEntry {
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

  private addOrphan(block: Block, parentId: string, source?: string): ProcessResult {
    const list = this.orphans.get(parentId) ?? [];
    if (!list.some((o) => o.block.id === block.id)) {
      if (this.orphanCount >= this.maxOrphans) this.evictOrphan();
      list.push({ block, ...(source !== undefined ? { source } : {}) });
      this.orphans.set(parentId, list);
      this.orphanCount++;
    }
    return { status: 'orphan', id: block.id, code: 'prev-blk-not-found', reason: `parent ${parentId} unknown` };
  }

  private evictOrphan(): void {
    const first = this.orphans.keys().next();
    if (first.done) return;
    const list = this.orphans.get(first.value)!;
    list.shift();
    this.orphanCount--;
    if (list.length === 0) this.orphans.delete(first.value);
  }

  private processOrphansOf(id: string): void {
    const queue = [id];
    while (queue.length > 0) {
      const parentId = queue.shift()!;
      const list = this.orphans.get(parentId);
      if (!list) continue;
      this.orphans.delete(parentId);
      this.orphanCount -= list.length;
      for (const o of list) {
        const r = this.processOne(o.block, o.source);
        if (r.status === 'connected' || r.status === 'side-branch') queue.push(o.block.id);
      }
    }
  }

  /** Adds `entry` and its stored descendants to the candidate set when the whole path to genesis has data. */
  private addCandidates(entry: BlockEntry): void {
    for (let e: BlockEntry | null = entry.parent; e; e = e.parent) {
      if (!e.hasData || e.invalid) return;
      if (this.isInActiveChain(e)) break;
    }
    const stack = [entry];
    while (stack.length > 0) {
      const e = stack.pop()!;
      if (!e.hasData || e.invalid) continue;
      if (e.chainWork >= this.tip.chainWork) this.candidates.add(e);
      stack.push(...e.children);
    }
  }

  /** The candidate with the most work; the first received wins a tie. */
  private bestCandidate(): BlockEntry {
    let best = this.tip;
    for (const c of this.candidates) {
      if (c.invalid) continue;
      if (c.chainWork > best.chainWork || (c.chainWork === best.chainWork && c.sequence < best.sequence)) best = c;
    }
    return best;
  }

  /**
   * Moves the active chain to the candidate with most work. A block that fails to connect is marked invalid
   * (with its descendants) and the chain returns to where it was before trying the next candidate; events are
   * emitted only for a switch that completed.
   */
  private activateBestChain(): void {
    for (;;) {
      const best = this.bestCandidate();
      if (best === this.tip) break;
      if (best.chainWork === this.tip.chainWork && this.tip.sequence <= best.sequence) break;
      const previous = this.tip;
      const fork = this.findFork(best);
      const path: BlockEntry[] = [];
      for (let e: BlockEntry = best; e !== fork; e = e.parent!) path.push(e);
      path.reverse();

      const detached: { entry: BlockEntry; block: Block; undo: BlockUndo }[] = [];
      while (this.tip !== fork) detached.push(this.disconnectTip());
      const attached: { entry: BlockEntry; block: Block }[] = [];
      let failure: { entry: BlockEntry; error: RuleError } | null = null;
      for (const entry of path) {
        try {
          attached.push(this.connectTip(entry));
        } catch (e) {
          if (!(e instanceof RuleError)) throw e;
          failure = { entry, error: e };
          break;
        }
      }
      if (failure) {
        // Roll back to the old tip exactly, then look for the next best candidate.
        while (this.tip !== fork) this.disconnectTip();
        for (let i = detached.length - 1; i >= 0; i--) this.connectTip(detached[i]!.entry);
        this.markInvalid(failure.entry, failure.error.code);
        this.reject(failure.entry.id, failure.error, failure.entry.source);
        continue;
      }
      for (const d of detached) this.events.emit('blockDisconnected', { entry: d.entry, block: d.block });
      for (const a of attached) this.events.emit('blockConnected', a);
      if (detached.length > 0) {
        this.events.emit('reorg', {
          depth: detached.length,
          fork,
          detached: detached.map((d) => d.entry),
          attached: attached.map((a) => a.entry),
        });
      }
      this.events.emit('tipChanged', { tip: this.tip, previous });
    }
    for (const c of this.candidates) if (c.invalid || c.chainWork < this.tip.chainWork) this.candidates.delete(c);
  }

  private findFork(entry: BlockEntry): BlockEntry {
    let e = entry;
    while (!this.isInActiveChain(e)) e = e.parent!;
    return e;
  }

  private connectTip(entry: BlockEntry): { entry: BlockEntry; block: Block } {
    if (entry.parent !== this.tip) throw new AssertionError(`connectTip: ${entry.id} does not extend the tip`);
    const block = this.getBlock(entry.id);
    if (!block) throw new AssertionError(`connectTip: no data for ${entry.id}`);
    const { undo, overlay } = connectBlock(block, entry.height, this.utxo, this.params, this.checker);
    this.utxo.apply(overlay);
    this.undos.set(entry.id, undo);
    this.active.push(entry);
    return { entry, block };
  }

  private disconnectTip(): { entry: BlockEntry; block: Block; undo: BlockUndo } {
    const entry = this.tip;
    if (entry.height === 0) throw new AssertionError('cannot disconnect the genesis block');
    const block = this.getBlock(entry.id);
    const undo = this.getUndo(entry.id);
    if (!block) throw new AssertionError(`disconnectTip: no data for ${entry.id}`);
    if (!undo) throw new AssertionError(`disconnectTip: no undo data for ${entry.id}`);
    this.utxo.apply(disconnectBlock(block, undo, this.utxo));
    this.undos.delete(entry.id);
    this.active.pop();
    return { entry, block, undo };
  }

  private markInvalid(entry: BlockEntry, code: string): void {
    const stack: BlockEntry[] = [entry];
    entry.invalid = code;
    this.candidates.delete(entry);
    for (const child of entry.children) stack.push(child);
    stack.shift();
    while (stack.length > 0) {
      const e = stack.pop()!;
      if (!e.invalid) e.invalid = 'bad-prevblk';
      this.candidates.delete(e);
      stack.push(...e.children);
    }
  }

  private markHashBad(id: string, code: string): void {
    this.badHashes.set(id, code);
  }

  private reject(id: string, e: RuleError, source: string | undefined): ProcessResult {
    const r: Rejection = { id, code: e.code, reason: e.message, ...(source !== undefined ? { source } : {}) };
    this.rejections.push(r);
    if (this.rejections.length > this.maxRejections) this.rejections.shift();
    this.events.emit('blockRejected', r);
    return { status: 'rejected', id, code: e.code, reason: e.message };
  }
}

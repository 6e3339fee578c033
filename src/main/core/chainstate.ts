// The chainstate: the block tree (chainstate-tree.ts) with block data, undo data and the UTXO set; processBlock validates
// a block, keeps orphans (chainstate-orphans.ts) and moves the active chain to the candidate with most work (reorgs).

import type { Block } from './block.ts';
import { bytesToHexReversed, equalBytes } from './bytes.ts';
import { OrphanPool } from './chainstate-orphans.ts';
import { BlockTree, type BlockEntry } from './chainstate-tree.ts';
import { RuleError } from './errors.ts';
import { Emitter } from './events.ts';
import type { BlockHeader } from './header.ts';
import type { NetworkParams } from './params.ts';
import { checkProofOfWork } from './pow.ts';
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
} from './validate.ts';

export type { BlockEntry };

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

export class Chainstate extends BlockTree {
  readonly events = new Emitter<ChainEvents>();
  readonly checker: SignatureChecker;
  readonly utxo = new UtxoSet();
  /** Most recent rejections, newest last. */
  readonly rejections: Rejection[] = [];
  private readonly now: () => number;
  private readonly blocks = new Map<string, Block>();
  private readonly undos = new Map<string, BlockUndo>();
  /** Entries with data whose ancestors all have data, not invalid, with at least the tip's work. */
  private readonly candidates = new Set<BlockEntry>();
  /** Blocks whose parent is unknown, until it arrives. */
  private readonly orphans: OrphanPool;
  /** Hashes that failed context-free checks (other than possible mutations): never validated again. */
  private readonly badHashes = new Map<string, string>();
  private readonly maxRejections: number;
  /** Blocks and undo data of a restored chain, read when first needed. */
  private source: BlockSource | null = null;

  constructor(params: NetworkParams, options: ChainstateOptions) {
    super(params);
    this.now = options.now;
    this.checker = options.checker ?? new SignatureChecker();
    this.orphans = new OrphanPool(options.maxOrphans ?? 200);
    this.maxRejections = options.maxRejections ?? 500;
    this.blocks.set(params.genesis.id, params.genesis);
    this.candidates.add(this.genesis);
  }

  // ---- queries ----

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

  getCoin(key: string): Coin | undefined {
    return this.utxo.getCoin(key);
  }

  orphanIds(): string[] {
    return this.orphans.ids();
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

  private addOrphan(block: Block, parentId: string, source?: string): ProcessResult {
    this.orphans.add(block, parentId, source);
    return { status: 'orphan', id: block.id, code: 'prev-blk-not-found', reason: `parent ${parentId} unknown` };
  }

  private processOrphansOf(id: string): void {
    const queue = [id];
    while (queue.length > 0) {
      const parentId = queue.shift()!;
      const list = this.orphans.take(parentId);
      if (!list) continue;
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

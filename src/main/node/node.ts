// A node: chainstate + mempool + wallets + peers, speaking inv/getdata/headers/block/tx over the network.

import type { Block } from '../core/block.ts';
import type { BlockHeader } from '../core/header.ts';
import { Chainstate, type BlockEntry, type ProcessResult } from '../core/chainstate.ts';
import { RuleError } from '../core/errors.ts';
import { Emitter } from '../core/events.ts';
import { Mempool } from '../core/mempool.ts';
import type { NetworkParams } from '../core/params.ts';
import type { SignatureChecker } from '../core/signatures.ts';
import type { Transaction } from '../core/tx.ts';
import type { Wallet } from '../core/wallet.ts';
import { preverifyBlock, type VerifyPool } from '../crypto/verify-pool.ts';
import { MAX_HEADERS, type InvItem, type Message } from '../network/messages.ts';
import type { Endpoint, Network } from '../network/network.ts';

/** Misbehaviour points for an invalid block or header (Bitcoin Core bans at 100). */
export const INVALID_BLOCK_SCORE = 100;
export const INVALID_TX_SCORE = 10;
const MAX_BLOCKS_IN_FLIGHT_PER_PEER = 16;
const BLOCK_DOWNLOAD_TIMEOUT_MS = 10_000;

export interface PeerState {
  readonly id: string;
  misbehaviour: number;
  /** Inventory the peer is known to have (announced to us or sent by us). */
  readonly known: Set<string>;
  /** Blocks requested from this peer and not yet received. */
  readonly inFlight: Set<string>;
  /** Height of the best header the peer sent us. */
  bestHeight: number;
}

export interface NodeEvents {
  misbehaving: { node: string; peer: string; score: number; code: string; banned: boolean };
  started: { node: string };
  stopped: { node: string };
}

export interface NodeOptions {
  id: string;
  params: NetworkParams;
  network: Network;
  checker: SignatureChecker;
  /** Misbehaviour score at which a peer is disconnected. */
  banThreshold?: number;
  minRelayFeeRate?: number;
  /** Verifies large blocks' signatures on worker threads before connecting them (real time only). */
  verifyPool?: VerifyPool;
}

/** Blocks with at least this many signatures to check are pre-verified on the pool. */
const PREVERIFY_MIN_CHECKS = 32;

export class Node implements Endpoint {
  readonly id: string;
  readonly chain: Chainstate;
  readonly mempool: Mempool;
  readonly events = new Emitter<NodeEvents>();
  readonly wallets = new Map<string, Wallet>();
  readonly network: Network;
  /** Transactions this node refused, newest last (blocks' rejections are in chain.rejections). */
  readonly txRejections: { txid: string; code: string; reason: string; source: string }[] = [];
  /** Peers banned for misbehaviour, with the code that tipped the score. */
  readonly banned = new Map<string, string>();
  private readonly peers = new Map<string, PeerState>();
  private readonly banThreshold: number;
  /** Block requests waiting for a peer slot, in chain order. */
  private readonly wanted: string[] = [];
  /** Peers that answered notfound for a block: not asked for it again. */
  private readonly notFound = new Map<string, Set<string>>();
  private isRunning = true;
  private readonly verifyPool: VerifyPool | undefined;
  /** Messages that arrived while a block's signatures were being verified on the pool, in order. */
  private backlog: [string, Message][] | null = null;

  constructor(o: NodeOptions) {
    this.verifyPool = o.verifyPool;
    this.id = o.id;
    this.network = o.network;
    this.banThreshold = o.banThreshold ?? 100;
    const scheduler = o.network.scheduler;
    this.chain = new Chainstate(o.params, { now: () => scheduler.now() / 1000, checker: o.checker });
    this.mempool = new Mempool(this.chain, { now: () => scheduler.now() / 1000, ...(o.minRelayFeeRate !== undefined ? { minRelayFeeRate: o.minRelayFeeRate } : {}) });
    // Transactions a reorg returned to the mempool (it subscribed first, so it has them by now) are relayed
    // again: peers on the winning side may never have seen them.
    this.chain.events.on('reorg', ({ detached }) => {
      for (const d of detached) {
        for (const tx of this.chain.getBlock(d.id)?.txs.slice(1) ?? []) if (this.mempool.has(tx.id)) this.announce({ kind: 'tx', id: tx.id });
      }
    });
  }

  get running(): boolean {
    return this.isRunning;
  }

  peerIds(): string[] {
    return [...this.peers.keys()];
  }

  peer(id: string): PeerState | undefined {
    return this.peers.get(id);
  }

  // ---- lifecycle ----

  /** Stops answering and sending; chain, mempool and wallets are kept. */
  stop(): void {
    if (!this.isRunning) return;
    this.isRunning = false;
    this.peers.clear();
    this.wanted.length = 0;
    this.events.emit('stopped', { node: this.id });
  }

  /** Starts again and syncs from every reachable peer (headers first). */
  start(): void {
    if (this.isRunning) return;
    this.isRunning = true;
    this.events.emit('started', { node: this.id });
    for (const p of this.network.livePeersOf(this.id)) this.peerConnected(p);
  }

  peerConnected(peer: string): void {
    if (!this.isRunning || this.banned.has(peer)) return;
    if (!this.peers.has(peer)) this.peers.set(peer, { id: peer, misbehaviour: 0, known: new Set(), inFlight: new Set(), bestHeight: 0 });
    this.send(peer, { type: 'getheaders', locator: this.chain.locator() });
  }

  peerDisconnected(peer: string): void {
    const state = this.peers.get(peer);
    if (!state) return;
    this.peers.delete(peer);
    // Ask someone else for what this peer still owed us.
    for (const id of state.inFlight) this.wanted.unshift(id);
    this.scheduleDownloads();
  }

  // ---- local actions ----

  /** Processes a block made here (by a miner or an attack) and announces it when it is accepted. */
  submitBlock(block: Block, announce = true): ProcessResult {
    const r = this.chain.processBlock(block, 'local');
    if (announce && (r.status === 'connected' || r.status === 'side-branch')) this.announce({ kind: 'block', id: block.id });
    return r;
  }

  /** Adds a transaction to the mempool and floods it. Throws RuleError when refused. */
  submitTx(tx: Transaction): void {
    this.mempool.accept(tx);
    this.announce({ kind: 'tx', id: tx.id });
  }

  /** Announces an item to every peer not known to have it. */
  announce(item: InvItem, except?: string): void {
    for (const p of this.peers.values()) {
      if (p.id === except || p.known.has(item.id)) continue;
      p.known.add(item.id);
      this.send(p.id, { type: 'inv', items: [item] });
    }
  }

  /** Sends a block straight to every peer (or to `only` those), unannounced: used by attackers. */
  pushBlock(block: Block, only?: readonly string[]): void {
    for (const p of this.peers.values()) {
      if (only && !only.includes(p.id)) continue;
      p.known.add(block.id);
      this.send(p.id, { type: 'block', block });
    }
  }

  // ---- messages ----

  receive(from: string, m: Message): void {
    if (!this.isRunning) return;
    if (this.backlog) {
      this.backlog.push([from, m]);
      return;
    }
    if (m.type === 'block' && this.verifyPool && m.block.txs.length > PREVERIFY_MIN_CHECKS && !this.chain.getEntry(m.block.id)?.hasData) {
      // Verify the signatures on worker threads first; everything else waits so messages keep their order.
      this.backlog = [];
      preverifyBlock(m.block, this.chain.utxo, this.chain.checker, this.verifyPool, PREVERIFY_MIN_CHECKS)
        .catch(() => 0) // the block is then verified in-thread, as without a pool
        .finally(() => {
          this.handle(from, m);
          const queued = this.backlog ?? [];
          this.backlog = null;
          for (const [f, x] of queued) this.receive(f, x);
        });
      return;
    }
    this.handle(from, m);
  }

  private handle(from: string, m: Message): void {
    if (!this.isRunning) return;
    const peer = this.peers.get(from);
    if (!peer) return; // not (or no longer) connected: ignore
    switch (m.type) {
      case 'inv':
        return this.onInv(peer, m.items);
      case 'getdata':
        return this.onGetData(peer, m.items);
      case 'notfound':
        for (const item of m.items) {
          if (!peer.inFlight.delete(item.id) || item.kind !== 'block') continue;
          // Ask another peer: this one does not have it (e.g. it is on a branch the peer never saw).
          peer.known.delete(item.id);
          (this.notFound.get(item.id) ?? this.notFound.set(item.id, new Set()).get(item.id)!).add(peer.id);
          this.wanted.unshift(item.id);
        }
        this.scheduleDownloads();
        return;
      case 'getheaders':
        return this.onGetHeaders(peer, m.locator);
      case 'headers':
        return this.onHeaders(peer, m.headers);
      case 'block':
        return this.onBlock(peer, m.block);
      case 'tx':
        return this.onTx(peer, m.tx);
    }
  }

  private onInv(peer: PeerState, items: InvItem[]): void {
    const want: InvItem[] = [];
    for (const item of items) {
      peer.known.add(item.id);
      if (item.kind === 'block') {
        const e = this.chain.getEntry(item.id);
        if ((e && (e.hasData || e.invalid)) || this.isInFlight(item.id)) continue;
        peer.inFlight.add(item.id);
        want.push(item);
      } else if (!this.mempool.has(item.id)) {
        want.push(item);
      }
    }
    if (want.length > 0) this.send(peer.id, { type: 'getdata', items: want });
  }

  private onGetData(peer: PeerState, items: InvItem[]): void {
    const missing: InvItem[] = [];
    for (const item of items) {
      if (item.kind === 'block') {
        const block = this.chain.getBlock(item.id);
        if (block) this.send(peer.id, { type: 'block', block });
        else missing.push(item);
      } else {
        const entry = this.mempool.get(item.id);
        if (entry) this.send(peer.id, { type: 'tx', tx: entry.tx });
        else missing.push(item);
      }
    }
    if (missing.length > 0) this.send(peer.id, { type: 'notfound', items: missing });
  }

  /** Answers with the active chain's headers after the first locator hash we know (up to MAX_HEADERS). */
  private onGetHeaders(peer: PeerState, locator: string[]): void {
    let fork = this.chain.genesis;
    for (const id of locator) {
      const e = this.chain.getEntry(id);
      if (e && this.chain.isInActiveChain(e)) {
        fork = e;
        break;
      }
    }
    const headers = [];
    for (let h = fork.height + 1; h <= this.chain.height && headers.length < MAX_HEADERS; h++) headers.push(this.chain.entryAtHeight(h)!.header);
    if (headers.length > 0) this.send(peer.id, { type: 'headers', headers });
  }

  private onHeaders(peer: PeerState, headers: readonly BlockHeader[]): void {
    let last: BlockEntry | undefined;
    for (const header of headers) {
      try {
        last = this.chain.acceptHeader(header, peer.id);
      } catch (e) {
        if (!(e instanceof RuleError)) throw e;
        if (e.code === 'prev-blk-not-found') {
          // Our locator did not reach far enough: ask again from our tip.
          this.send(peer.id, { type: 'getheaders', locator: this.chain.locator() });
          return;
        }
        if (e.punishable) this.misbehave(peer, INVALID_BLOCK_SCORE, e.code);
        return;
      }
      peer.known.add(header.id);
    }
    if (!last) return;
    peer.bestHeight = Math.max(peer.bestHeight, last.height);
    this.queueMissing(last);
    this.scheduleDownloads();
    if (headers.length === MAX_HEADERS) this.send(peer.id, { type: 'getheaders', locator: this.chain.locator(last) });
  }

  /**
   * Queues every block we lack between `entry` and our active chain, oldest first: a branch becomes a candidate
   * for the best chain only when all its blocks are here.
   */
  private queueMissing(entry: BlockEntry): void {
    const path: string[] = [];
    for (let e: BlockEntry | null = entry; e && !this.chain.isInActiveChain(e); e = e.parent) if (!e.hasData) path.push(e.id);
    path.reverse();
    for (const id of path) if (!this.wanted.includes(id) && !this.isInFlight(id)) this.wanted.push(id);
  }

  /** Spreads wanted blocks over every peer that has them, a few in flight per peer. */
  private scheduleDownloads(): void {
    if (this.wanted.length === 0) return;
    const peers = [...this.peers.values()];
    let progress = true;
    while (this.wanted.length > 0 && progress) {
      progress = false;
      for (const p of peers) {
        if (this.wanted.length === 0) break;
        if (p.inFlight.size >= MAX_BLOCKS_IN_FLIGHT_PER_PEER) continue;
        const idx = this.wanted.findIndex((id) => !this.notFound.get(id)?.has(p.id) && (p.known.has(id) || (this.chain.getEntry(id)?.height ?? Infinity) <= p.bestHeight));
        if (idx < 0) continue;
        const [id] = this.wanted.splice(idx, 1);
        const entry = this.chain.getEntry(id!);
        if (entry?.hasData) continue;
        p.inFlight.add(id!);
        this.send(p.id, { type: 'getdata', items: [{ kind: 'block', id: id! }] });
        this.network.scheduler.setTimeout(() => this.downloadTimeout(p, id!), BLOCK_DOWNLOAD_TIMEOUT_MS);
        progress = true;
      }
    }
  }

  private downloadTimeout(peer: PeerState, id: string): void {
    if (!peer.inFlight.delete(id) || this.chain.getEntry(id)?.hasData) return;
    this.wanted.unshift(id);
    this.scheduleDownloads();
  }

  private isInFlight(id: string): boolean {
    for (const p of this.peers.values()) if (p.inFlight.has(id)) return true;
    return false;
  }

  private onBlock(peer: PeerState, block: Block): void {
    peer.inFlight.delete(block.id);
    peer.known.add(block.id);
    const tipBefore = this.chain.tip;
    const r = this.chain.processBlock(block, peer.id);
    if (r.status === 'rejected' && r.code) {
      // A rule break is the sender's fault; a block from the future might just be early.
      if (r.code !== 'time-too-new') this.misbehave(peer, INVALID_BLOCK_SCORE, r.code);
    } else if (r.status === 'orphan') {
      // We are missing its ancestors: ask that peer for headers from our tip, then fetch the blocks from all
      // peers in parallel (as Bitcoin Core does for an unconnecting block).
      this.send(peer.id, { type: 'getheaders', locator: this.chain.locator() });
    } else if (r.status === 'side-branch') {
      const entry = this.chain.getEntry(block.id);
      if (entry) this.queueMissing(entry);
    }
    if (r.status !== 'orphan') this.notFound.delete(block.id);
    this.scheduleDownloads();
    if (this.chain.tip !== tipBefore) this.announce({ kind: 'block', id: this.chain.tip.id }, peer.id);
  }

  private onTx(peer: PeerState, tx: Transaction): void {
    peer.known.add(tx.id);
    if (this.mempool.has(tx.id)) return;
    try {
      this.mempool.accept(tx);
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      this.txRejections.push({ txid: tx.id, code: e.code, reason: e.message, source: peer.id });
      if (this.txRejections.length > 500) this.txRejections.shift();
      if (e.punishable && isConsensusTxCode(e.code)) this.misbehave(peer, INVALID_TX_SCORE, e.code);
      return;
    }
    this.announce({ kind: 'tx', id: tx.id }, peer.id);
  }

  private misbehave(peer: PeerState, score: number, code: string): void {
    peer.misbehaviour += score;
    const banned = peer.misbehaviour >= this.banThreshold;
    this.events.emit('misbehaving', { node: this.id, peer: peer.id, score: peer.misbehaviour, code, banned });
    if (banned) {
      this.banned.set(peer.id, code);
      this.peers.delete(peer.id);
      this.network.disconnect(this.id, peer.id);
    }
  }

  private send(to: string, m: Message): void {
    if (this.isRunning) this.network.send(this.id, to, m);
  }
}

/** Transaction rejections that break consensus (punishable), as opposed to policy or timing. */
function isConsensusTxCode(code: string): boolean {
  return code.startsWith('bad-');
}

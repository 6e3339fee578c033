// The mempool: fully validated unconfirmed transactions, first-seen conflicts, fee-rate eviction, block templates.

import type { Block } from './block.ts';
import type { Chainstate } from './chainstate.ts';
import { RuleError } from './errors.ts';
import { Emitter } from './events.ts';
import { BinaryHeap } from './heap.ts';
import { isUnspendable } from './script.ts';
import { outpointKey, type Transaction } from './tx.ts';
import type { Coin, CoinView } from './utxo.ts';
import { checkTransaction, checkTxInputs, isFinalTx, verifyTxScripts } from './validate.ts';

export interface MempoolEntry {
  readonly tx: Transaction;
  readonly txid: string;
  readonly fee: bigint;
  readonly vsize: number;
  /** Satoshis per virtual byte. */
  readonly feeRate: number;
  /** Clock time it entered (seconds). */
  readonly time: number;
  /** In-mempool parents and children (txids). */
  readonly parents: Set<string>;
  readonly children: Set<string>;
}

export type RemovalReason = 'block' | 'conflict' | 'evicted' | 'reorg' | 'replaced-by-block';

/** A transaction that lost to another spending the same coins. */
export interface DoubleSpend {
  /** The transaction that lost (reversed or never confirmed). */
  txid: string;
  /** The transaction in the best chain that spends the same coins. */
  conflictingTxid: string;
  outpoints: string[];
  /** Block holding the winner. */
  blockId: string | null;
}

export interface MempoolEvents {
  added: { entry: MempoolEntry };
  removed: { txid: string; reason: RemovalReason };
  doubleSpend: DoubleSpend;
}

export interface MempoolOptions {
  now: () => number;
  /** Minimum relay fee rate, sat/vB (Bitcoin Core's default is 1). */
  minRelayFeeRate?: number;
  /** Total virtual size kept before evicting the lowest fee rates. */
  maxVsize?: number;
}

/** Mempool view of coins: the chain's UTXO set plus outputs of mempool transactions, minus what they spend. */
class MempoolCoinView implements CoinView {
  private readonly pool: Mempool;
  private readonly chain: Chainstate;
  constructor(pool: Mempool, chain: Chainstate) {
    this.pool = pool;
    this.chain = chain;
  }
  getCoin(key: string): Coin | undefined {
    if (this.pool.spender(key)) return undefined;
    return this.chain.getCoin(key) ?? this.pool.unconfirmedCoin(key);
  }
}

export class Mempool {
  readonly events = new Emitter<MempoolEvents>();
  readonly chain: Chainstate;
  readonly doubleSpends: DoubleSpend[] = [];
  private readonly now: () => number;
  private readonly minRelayFeeRate: number;
  private readonly maxVsize: number;
  private readonly entries = new Map<string, MempoolEntry>();
  /** outpoint key -> txid of the mempool transaction spending it. */
  private readonly spends = new Map<string, string>();
  private totalVsize = 0;
  private disconnected: Transaction[] = [];
  private readonly view: MempoolCoinView;

  constructor(chain: Chainstate, o: MempoolOptions) {
    this.chain = chain;
    this.now = o.now;
    this.minRelayFeeRate = o.minRelayFeeRate ?? 1;
    this.maxVsize = o.maxVsize ?? 25_000_000;
    this.view = new MempoolCoinView(this, chain);
    chain.events.on('blockConnected', ({ block }) => this.removeForBlock(block));
    // Detached blocks arrive tip first: keep the oldest block's transactions first so parents return before children.
    chain.events.on('blockDisconnected', ({ block }) => this.disconnected.unshift(...block.txs.slice(1)));
    chain.events.on('reorg', ({ attached }) => this.resurrect(attached.map((e) => chain.getBlock(e.id)!)));
  }

  get size(): number {
    return this.entries.size;
  }

  get vsize(): number {
    return this.totalVsize;
  }

  has(txid: string): boolean {
    return this.entries.has(txid);
  }

  get(txid: string): MempoolEntry | undefined {
    return this.entries.get(txid);
  }

  all(): IterableIterator<MempoolEntry> {
    return this.entries.values();
  }

  /** Txid of the mempool transaction spending `outpoint`, if any. */
  spender(key: string): string | undefined {
    return this.spends.get(key);
  }

  /** An output of a mempool transaction, as a coin at the next height. */
  unconfirmedCoin(key: string): Coin | undefined {
    const sep = key.lastIndexOf(':');
    const entry = this.entries.get(key.slice(0, sep));
    const out = entry?.tx.outputs[Number(key.slice(sep + 1))];
    if (!out || isUnspendable(out.scriptPubKey)) return undefined;
    return { value: out.value, scriptPubKey: out.scriptPubKey, height: this.chain.height + 1, coinbase: false };
  }

  /**
   * AcceptToMemoryPool: full validation against the tip plus unconfirmed parents. Throws RuleError and
   * changes nothing when the transaction is refused.
   */
  accept(tx: Transaction): MempoolEntry {
    const txid = tx.id;
    if (this.entries.has(txid)) throw new RuleError('txn-already-in-mempool', txid, false);
    checkTransaction(tx, this.chain.params);
    if (tx.isCoinbase()) throw new RuleError('coinbase', 'a coinbase is only valid in a block');
    const height = this.chain.height + 1;
    if (!isFinalTx(tx, height, this.chain.medianTimePast(this.chain.tip))) throw new RuleError('non-final', 'transaction is not final');
    for (let v = 0; v < tx.outputs.length; v++) {
      if (this.chain.getCoin(`${txid}:${v}`)) throw new RuleError('txn-already-known', 'outputs already in the UTXO set', false);
    }
    const conflicts = new Set<string>();
    for (const input of tx.inputs) {
      const other = this.spends.get(outpointKey(input.prevout));
      if (other) conflicts.add(other);
    }
    // First seen wins: a conflicting spend is refused, never replaces.
    if (conflicts.size > 0) throw new RuleError('txn-mempool-conflict', `spends coins already spent by ${[...conflicts].join(', ')}`, false);
    const { coins, fee } = checkTxInputs(tx, this.view, height, this.chain.params);
    const vsize = tx.vsize;
    const feeRate = Number(fee) / vsize;
    if (feeRate < this.minRelayFeeRate) {
      throw new RuleError('min-relay-fee-not-met', `fee rate ${feeRate.toFixed(2)} sat/vB below ${this.minRelayFeeRate}`, false);
    }
    verifyTxScripts(tx, coins, this.chain.checker);

    const parents = new Set<string>();
    for (const input of tx.inputs) {
      const p = this.entries.get(outpointKey(input.prevout).split(':')[0]!);
      if (p) parents.add(p.txid);
    }
    const entry: MempoolEntry = { tx, txid, fee, vsize, feeRate, time: this.now(), parents, children: new Set() };
    this.insert(entry);
    this.trimToSize();
    if (!this.entries.has(txid)) throw new RuleError('mempool-full', `fee rate ${feeRate.toFixed(2)} sat/vB too low for a full mempool`, false);
    return entry;
  }

  private insert(entry: MempoolEntry): void {
    this.entries.set(entry.txid, entry);
    for (const input of entry.tx.inputs) this.spends.set(outpointKey(input.prevout), entry.txid);
    for (const p of entry.parents) this.entries.get(p)?.children.add(entry.txid);
    // A transaction back from a disconnected block may already have children here (they spent its outputs while
    // it was confirmed): link them, so packages and templates put it first.
    for (let v = 0; v < entry.tx.outputs.length; v++) {
      const child = this.spends.get(`${entry.txid}:${v}`);
      if (child === undefined) continue;
      entry.children.add(child);
      this.entries.get(child)!.parents.add(entry.txid);
    }
    this.totalVsize += entry.vsize;
    this.events.emit('added', { entry });
  }

  /** Removes a transaction and, with it, every descendant (they spend its outputs). */
  remove(txid: string, reason: RemovalReason): void {
    const entry = this.entries.get(txid);
    if (!entry) return;
    for (const child of [...entry.children]) this.remove(child, reason);
    this.entries.delete(txid);
    for (const input of entry.tx.inputs) {
      const key = outpointKey(input.prevout);
      if (this.spends.get(key) === txid) this.spends.delete(key);
    }
    for (const p of entry.parents) this.entries.get(p)?.children.delete(txid);
    this.totalVsize -= entry.vsize;
    this.events.emit('removed', { txid, reason });
  }

  /** Evicts the lowest descendant-package fee rate until the pool fits (TrimToSize). */
  private trimToSize(): void {
    while (this.totalVsize > this.maxVsize && this.entries.size > 0) {
      let worst: MempoolEntry | undefined;
      let worstRate = Infinity;
      for (const e of this.entries.values()) {
        const { fee, vsize } = this.packageOf(e.txid, 'children');
        const rate = Number(fee) / vsize;
        if (rate < worstRate) {
          worstRate = rate;
          worst = e;
        }
      }
      this.remove(worst!.txid, 'evicted');
    }
  }

  /** Fee and size of a transaction with all its in-mempool ancestors or descendants. */
  private packageOf(txid: string, direction: 'parents' | 'children', exclude?: Set<string>): { fee: bigint; vsize: number; members: string[] } {
    const seen = new Set<string>();
    const stack = [txid];
    let fee = 0n;
    let vsize = 0;
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id) || exclude?.has(id)) continue;
      seen.add(id);
      const e = this.entries.get(id)!;
      fee += e.fee;
      vsize += e.vsize;
      stack.push(...e[direction]);
    }
    return { fee, vsize, members: [...seen] };
  }

  /**
   * Transactions for the next block, chosen by ancestor fee rate (a transaction counts with the ancestors it
   * needs), parents before children, within `maxWeight`. As Bitcoin Core's miner: each transaction's package of
   * not-yet-chosen ancestors is computed once and kept in a heap by fee rate; choosing a package updates only
   * the packages of its members' descendants. Ties go to the transaction that entered the mempool first.
   */
  blockTemplate(maxWeight: number): { txs: Transaction[]; fees: bigint; weight: number } {
    interface Pkg {
      order: number;
      members: Set<string>;
      fee: bigint;
      vsize: number;
      weight: number;
      version: number;
    }
    const pkgs = new Map<string, Pkg>();
    let order = 0;
    for (const id of this.entries.keys()) {
      const members = new Set(this.packageOf(id, 'parents').members);
      const pkg: Pkg = { order: order++, members, fee: 0n, vsize: 0, weight: 0, version: 0 };
      for (const m of members) {
        const e = this.entries.get(m)!;
        pkg.fee += e.fee;
        pkg.vsize += e.vsize;
        pkg.weight += e.tx.weight;
      }
      pkgs.set(id, pkg);
    }
    type Item = { id: string; rate: number; order: number; version: number };
    const heap = new BinaryHeap<Item>((a, b) => a.rate > b.rate || (a.rate === b.rate && a.order < b.order));
    const push = (id: string, p: Pkg): void => heap.push({ id, rate: Number(p.fee) / p.vsize, order: p.order, version: p.version });
    for (const [id, p] of pkgs) push(id, p);

    const chosen = new Set<string>();
    const skipped = new Set<string>();
    const out: Transaction[] = [];
    let weight = 0;
    let fees = 0n;
    for (let item = heap.pop(); item !== undefined; item = heap.pop()) {
      const pkg = pkgs.get(item.id)!;
      if (chosen.has(item.id) || skipped.has(item.id) || item.version !== pkg.version) continue;
      if (weight + pkg.weight > maxWeight) {
        for (const m of pkg.members) skipped.add(m);
        continue;
      }
      const members = [...pkg.members];
      for (const id of this.topological(members)) {
        chosen.add(id);
        out.push(this.entries.get(id)!.tx);
      }
      weight += pkg.weight;
      fees += pkg.fee;
      // Descendants of the chosen transactions no longer need them: their packages shrink.
      const touched = new Set<string>();
      for (const m of members) {
        const e = this.entries.get(m)!;
        for (const d of this.packageOf(m, 'children').members) {
          if (chosen.has(d)) continue;
          const dp = pkgs.get(d)!;
          if (!dp.members.delete(m)) continue;
          dp.fee -= e.fee;
          dp.vsize -= e.vsize;
          dp.weight -= e.tx.weight;
          touched.add(d);
        }
      }
      for (const d of touched) {
        const dp = pkgs.get(d)!;
        dp.version++;
        push(d, dp);
      }
    }
    return { txs: out, fees, weight };
  }

  /** Orders txids so that parents come first. */
  private topological(ids: string[]): string[] {
    const set = new Set(ids);
    const done = new Set<string>();
    const out: string[] = [];
    const visit = (id: string): void => {
      if (done.has(id)) return;
      done.add(id);
      for (const p of this.entries.get(id)!.parents) if (set.has(p)) visit(p);
      out.push(id);
    };
    for (const id of ids) visit(id);
    return out;
  }

  /** A connected block confirms some transactions and makes those that conflict with it invalid. */
  private removeForBlock(block: Block): void {
    for (const tx of block.txs) {
      const txid = tx.id;
      if (this.entries.has(txid)) {
        // Its children stay: their parent is now confirmed.
        const entry = this.entries.get(txid)!;
        for (const child of entry.children) this.entries.get(child)?.parents.delete(txid);
        entry.children.clear();
        this.remove(txid, 'block');
      }
      if (tx.isCoinbase()) continue;
      for (const input of tx.inputs) {
        const key = outpointKey(input.prevout);
        const loser = this.spends.get(key);
        if (loser && loser !== txid) {
          this.recordDoubleSpend(this.entries.get(loser)!.tx, txid, [key], block.id);
          this.remove(loser, 'conflict');
        }
      }
    }
  }

  /**
   * After a reorg, transactions of the detached blocks return to the pool unless the new chain holds them or
   * conflicts with them; each conflict is recorded as a double spend.
   */
  private resurrect(attached: Block[]): void {
    const txs = this.disconnected;
    this.disconnected = [];
    const winnerOf = new Map<string, { txid: string; blockId: string }>();
    const confirmed = new Set<string>();
    for (const b of attached) {
      for (const tx of b.txs) {
        confirmed.add(tx.id);
        for (const input of tx.inputs) winnerOf.set(outpointKey(input.prevout), { txid: tx.id, blockId: b.id });
      }
    }
    for (const tx of txs) {
      if (confirmed.has(tx.id) || this.entries.has(tx.id)) continue;
      const lost = tx.inputs.map((i) => outpointKey(i.prevout)).filter((k) => {
        const w = winnerOf.get(k);
        return w !== undefined && w.txid !== tx.id;
      });
      if (lost.length > 0) {
        const w = winnerOf.get(lost[0]!)!;
        this.recordDoubleSpend(tx, w.txid, lost, w.blockId);
        continue;
      }
      try {
        this.accept(tx);
      } catch (e) {
        if (!(e instanceof RuleError)) throw e;
      }
    }
    this.removeUnspendable(winnerOf);
  }

  /**
   * After a reorg, a transaction already in the pool may have lost an input: its parent left the chain, the new
   * chain spent the coin, or a coinbase it spends is no longer mature. Such transactions leave the pool with
   * their descendants (as Bitcoin Core's removeForReorg); coins the new chain spent are recorded as double spends.
   */
  private removeUnspendable(winnerOf: Map<string, { txid: string; blockId: string }>): void {
    const spendHeight = this.chain.height + 1;
    for (const entry of [...this.entries.values()]) {
      if (!this.entries.has(entry.txid)) continue; // removed with an ancestor
      for (const input of entry.tx.inputs) {
        const key = outpointKey(input.prevout);
        const coin = this.chain.getCoin(key);
        const fromPool = !coin && this.entries.has(key.slice(0, key.lastIndexOf(':')));
        const immature = coin?.coinbase === true && spendHeight - coin.height < this.chain.params.coinbaseMaturity;
        if ((coin && !immature) || fromPool) continue;
        const winner = winnerOf.get(key);
        if (winner && winner.txid !== entry.txid) this.recordDoubleSpend(entry.tx, winner.txid, [key], winner.blockId);
        this.remove(entry.txid, winner ? 'conflict' : 'reorg');
        break;
      }
    }
  }

  private recordDoubleSpend(loser: Transaction, winner: string, outpoints: string[], blockId: string | null): void {
    const ds: DoubleSpend = { txid: loser.id, conflictingTxid: winner, outpoints, blockId };
    this.doubleSpends.push(ds);
    this.events.emit('doubleSpend', ds);
  }
}

// The UTXO set and a write-through overlay used to connect a block all-or-nothing.

import { bytesToHexReversed, type Bytes } from './bytes.ts';
import { sha256 } from './hash.ts';
import { outpointKey, type OutPoint } from './tx.ts';

/** An unspent output and where it was created. */
export interface Coin {
  readonly value: bigint;
  readonly scriptPubKey: Bytes;
  readonly height: number;
  readonly coinbase: boolean;
}

export interface CoinView {
  getCoin(key: string): Coin | undefined;
}

export class UtxoSet implements CoinView {
  private readonly coins = new Map<string, Coin>();

  getCoin(key: string): Coin | undefined {
    return this.coins.get(key);
  }

  get(outpoint: OutPoint): Coin | undefined {
    return this.coins.get(outpointKey(outpoint));
  }

  get size(): number {
    return this.coins.size;
  }

  entries(): IterableIterator<[string, Coin]> {
    return this.coins.entries();
  }

  /** Sum of all unspent values. */
  totalValue(): bigint {
    let sum = 0n;
    for (const c of this.coins.values()) sum += c.value;
    return sum;
  }

  /** Applies an overlay's changes. */
  apply(overlay: CoinOverlay): void {
    for (const key of overlay.spent) this.coins.delete(key);
    for (const [key, coin] of overlay.added) this.coins.set(key, coin);
  }

  /** Set directly (undo restores, tests). */
  set(key: string, coin: Coin): void {
    this.coins.set(key, coin);
  }

  delete(key: string): boolean {
    return this.coins.delete(key);
  }

  /** An order-independent digest of the whole set, to compare two sets cheaply. */
  digest(): string {
    const lines = [...this.coins].map(([k, c]) => `${k}|${c.value}|${bytesToHexReversed(c.scriptPubKey)}|${c.height}|${c.coinbase ? 1 : 0}`);
    lines.sort();
    return bytesToHexReversed(sha256(new TextEncoder().encode(lines.join('\n'))));
  }
}

/**
 * Changes on top of a base view, kept apart until applied: a block that fails half-way is dropped with
 * its overlay and the base never sees a partial write.
 */
export class CoinOverlay implements CoinView {
  readonly base: CoinView;
  /** Coins created in this overlay and still unspent. */
  readonly added = new Map<string, Coin>();
  /** Base coins spent in this overlay. */
  readonly spent = new Set<string>();

  constructor(base: CoinView) {
    this.base = base;
  }

  getCoin(key: string): Coin | undefined {
    const own = this.added.get(key);
    if (own) return own;
    if (this.spent.has(key)) return undefined;
    return this.base.getCoin(key);
  }

  addCoin(key: string, coin: Coin): void {
    this.added.set(key, coin);
  }

  /** Spends a coin; returns it, or undefined when it is missing or already spent. */
  spendCoin(key: string): Coin | undefined {
    const own = this.added.get(key);
    if (own) {
      this.added.delete(key);
      return own;
    }
    if (this.spent.has(key)) return undefined;
    const coin = this.base.getCoin(key);
    if (coin) this.spent.add(key);
    return coin;
  }
}

// The address fold on hand-written rows: rows of blocks off the view's chain, spends, paging, amounts past 2^53, wide coin ids.

import { describe, expect, it } from 'vitest';
import { summarizeAddress, type AddressLookups, type AddressRow, type TxPlace } from './address-summary.ts';

/** Lookups over `rows`: blocks in `offChain` are not on the view's chain; txids are 'tx-height-position-block'. */
function lookups(rows: readonly AddressRow[], offChain: readonly number[] = []): AddressLookups & { ranges: [TxPlace, TxPlace][] } {
  const ranges: [TxPlace, TxPlace][] = [];
  const key = (p: TxPlace): number => p[0] * 1e6 + p[1] * 1e3 + p[2];
  return {
    ranges,
    active: (_height, blockId) => !offChain.includes(blockId),
    blockHash: (blockId) => `block-${blockId}`,
    txids: (from, to) => {
      ranges.push([from, to]);
      const seen = new Set<number>();
      const out: [...TxPlace, string][] = [];
      for (const r of rows) {
        const place: TxPlace = [r[4], r[5], r[6]];
        if (key(place) < key([from[0], from[1], 0]) || key(place) > key([to[0], to[1], 999]) || seen.has(key(place))) continue;
        seen.add(key(place));
        out.push([...place, `tx-${r[4]}-${r[5]}-${r[6]}`]);
      }
      return out;
    },
  };
}

// Block 10 at height 1 (coin txid id 100 pays 2 outputs), block 20 at height 2 spends output 0; block 21, a
// competing block at height 2 off the view's chain, spends output 1; block 30 at height 3 pays again.
const rows: AddressRow[] = [
  [0, 100, 0, 5_000, 1, 1, 10],
  [1, 100, 1, 7_000, 1, 1, 10],
  [-1, 100, 0, 5_000, 2, 1, 20],
  [-2, 100, 1, 7_000, 2, 1, 21],
  [0, 300, 0, 1_000, 3, 4, 30],
  [-1, 300, 0, 1_000, 3, 4, 30],
  [1, 300, 1, 250, 3, 4, 30],
];

describe('summarizeAddress', () => {
  it('keeps the rows of the view\'s chain: totals, UTXOs, history newest first with net deltas', () => {
    const info = summarizeAddress('fl1qa', rows, null, 50, lookups(rows, [21]));
    expect(info).toMatchObject({ received: 13_250n, sent: 6_000n, balance: 7_250n, txCount: 3, next: null });
    expect(info.utxos).toEqual([
      { txid: 'tx-3-4-30', vout: 1, value: 250n, height: 3 },
      { txid: 'tx-1-1-10', vout: 1, value: 7_000n, height: 1 },
    ]);
    expect(info.history).toEqual([
      { txid: 'tx-3-4-30', height: 3, position: 4, blockHash: 'block-30', delta: 250n },
      { txid: 'tx-2-1-20', height: 2, position: 1, blockHash: 'block-20', delta: -5_000n },
      { txid: 'tx-1-1-10', height: 1, position: 1, blockHash: 'block-10', delta: 12_000n },
    ]);
    // On the other branch, the other output is the one spent.
    const other = summarizeAddress('fl1qa', rows, null, 50, lookups(rows, [20]));
    expect(other.utxos.map((u) => u.vout)).toEqual([1, 0]);
    expect(other.history[1]).toMatchObject({ txid: 'tx-2-1-21', delta: -7_000n });
  });

  it('pages history by cursor and reads the txids of one range only', () => {
    const look = lookups(rows, [21]);
    const first = summarizeAddress('fl1qa', rows, null, 1, look);
    expect(first.history.map((h) => h.txid)).toEqual(['tx-3-4-30']);
    expect(first.next).toBe('3:4');
    expect(look.ranges).toEqual([[[1, 1, 10], [3, 4, 30]]]); // the UTXO at height 1 widens it
    const second = summarizeAddress('fl1qa', rows, [3, 4], 1, look);
    expect(second.history.map((h) => h.txid)).toEqual(['tx-2-1-20']);
    expect(second.next).toBe('2:1');
    const last = summarizeAddress('fl1qa', rows, [2, 1], 1, look);
    expect(last.history.map((h) => h.txid)).toEqual(['tx-1-1-10']);
    expect(last.next).toBeNull();
  });

  it('sums exactly past 2^53 satoshis and matches coins whose ids do not fit 53 bits', () => {
    const big = 2 ** 52 + 1; // each value is exact; their sums are not as doubles
    const wide = 2 ** 40; // a txid id past the packed coin key
    const heavy: AddressRow[] = [
      [0, wide, 0, big, 1, 1, 1],
      [1, wide, 1, big, 1, 1, 1],
      [2 ** 22, wide, 2 ** 22, big, 1, 1, 1],
      [-1, wide, 1, big, 2, 1, 2],
      [-2, wide, 2 ** 22, big, 2, 1, 2],
    ];
    const info = summarizeAddress('fl1qb', heavy, null, 50, lookups(heavy));
    expect(info.received).toBe(3n * BigInt(big));
    expect(info.sent).toBe(2n * BigInt(big));
    expect(info.balance).toBe(BigInt(big));
    expect(info.utxos.map((u) => u.vout)).toEqual([0]);
    expect(info.history.map((h) => h.delta)).toEqual([-2n * BigInt(big), 3n * BigInt(big)]);
  });

  it('answers an address with no rows on the view\'s chain as empty', () => {
    const info = summarizeAddress('fl1qc', rows, null, 50, lookups(rows, [10, 20, 21, 30]));
    expect(info).toEqual({ address: 'fl1qc', balance: 0n, received: 0n, sent: 0n, txCount: 0, utxos: [], history: [], next: null });
  });
});

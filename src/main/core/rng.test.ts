// The seeded generator: a pinned stream, a reference sfc32, ranges, rough uniformity, forks and input guards.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, utf8ToBytes } from './bytes.ts';
import { InputError } from './errors.ts';
import { taggedHash } from './hash.ts';
import { Rng } from './rng.ts';

const SEED = 0x5eed;

function take(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.next());
}

/** Pearson's chi-square statistic of observed counts against equal expected counts. */
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}

function expectInputError(fn: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(InputError);
  expect((thrown as InputError).code).toBe(code);
}

/** sfc32 written out separately with Uint32Array wrap-around, keyed the way rng.ts documents it. */
function referenceStream(seedBytes: Uint8Array, n: number): number[] {
  const key = taggedHash('forklab/rng-seed', seedBytes);
  const s = new Uint32Array(4);
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  for (let i = 0; i < 4; i++) s[i] = view.getUint32(4 * i, true);
  const t = new Uint32Array(1);
  const step = (): number => {
    const [a, b, c, d] = [s[0]!, s[1]!, s[2]!, s[3]!];
    t[0] = a + b + d;
    s[3] = d + 1;
    s[0] = b ^ (b >>> 9);
    s[1] = c + c * 8;
    s[2] = ((c << 21) | (c >>> 11)) + t[0];
    return t[0];
  };
  for (let i = 0; i < 12; i++) step();
  return Array.from({ length: n }, step);
}

describe('Rng: determinism', () => {
  it('pins the stream of seed 1 and of seed "forklab" (replays must survive upgrades)', () => {
    expect(take(new Rng(1), 5)).toEqual([3323958671, 2823542711, 710528155, 2881296542, 3415436978]);
    expect(take(new Rng('forklab'), 5)).toEqual([2235057286, 3877522425, 663785311, 318086488, 2495785987]);
  });

  it('is sfc32 keyed by the tagged SHA-256 of the seed, after 12 discarded outputs', () => {
    const int64 = new Uint8Array(8);
    new DataView(int64.buffer).setBigInt64(0, -12345n, true);
    expect(take(new Rng(-12345), 1000)).toEqual(referenceStream(concatBytes(Uint8Array.of(0x6e), int64), 1000));
    expect(take(new Rng('ünïcode'), 1000)).toEqual(referenceStream(concatBytes(Uint8Array.of(0x73), utf8ToBytes('ünïcode')), 1000));
  });

  it('gives the same sequence for the same seed and different ones otherwise', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.string()), (seed) => {
        const a = new Rng(seed);
        const b = new Rng(seed);
        const xs = [take(a, 8), a.float(), a.int(1000), a.exponential(2), Array.from(a.bytes(7))];
        const ys = [take(b, 8), b.float(), b.int(1000), b.exponential(2), Array.from(b.bytes(7))];
        expect(xs).toEqual(ys);
      }),
      { seed: SEED, numRuns: 200 },
    );
    const firsts = new Set<string>();
    for (const seed of [0, 1, 2, -1, Number.MAX_SAFE_INTEGER, '', '0', '1', '2', 'a']) firsts.add(take(new Rng(seed), 2).join());
    expect(firsts.size).toBe(10); // the number 1 and the string "1" are different seeds
  });
});

describe('Rng: ranges and uniformity', () => {
  const rng = new Rng(SEED);

  it('next() is a uint32 whose top byte is roughly uniform', () => {
    const counts = new Array<number>(256).fill(0);
    let outside = 0;
    for (let i = 0; i < 256_000; i++) {
      const x = rng.next();
      if (!(Number.isInteger(x) && x >= 0 && x < 2 ** 32)) outside++;
      counts[x >>> 24]!++;
    }
    expect(outside).toBe(0);
    expect(chiSquare(counts)).toBeLessThan(400); // df 255: mean 255, sd 22.6; 400 is p < 1e-8
  });

  it('float() lies in [0, 1), fills 20 bins evenly and has mean 1/2', () => {
    const counts = new Array<number>(20).fill(0);
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 200_000; i++) {
      const x = rng.float();
      if (!(x >= 0 && x < 1)) outside++;
      counts[Math.floor(x * 20)]!++;
      sum += x;
    }
    expect(outside).toBe(0);
    expect(chiSquare(counts)).toBeLessThan(60); // df 19: 60 is p < 1e-5
    expect(Math.abs(sum / 200_000 - 0.5)).toBeLessThan(0.005); // sd of the mean 0.00065
  });

  it('int(n) lies in [0, n) and is roughly uniform, also for n that does not divide 2^32', () => {
    for (const n of [3, 10, 1000]) {
      const counts = new Array<number>(n).fill(0);
      const draws = 200 * n;
      for (let i = 0; i < draws; i++) counts[rng.int(n)]!++;
      expect(counts.every((c) => c > 0)).toBe(true);
      const df = n - 1;
      expect(chiSquare(counts)).toBeLessThan(df + 6 * Math.sqrt(2 * df) + 10);
    }
    expect(rng.int(1)).toBe(0);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 32 }), (n) => {
        const x = rng.int(n);
        expect(Number.isInteger(x) && x >= 0 && x < n).toBe(true);
      }),
      { seed: SEED },
    );
  });

  it('exponential(rate) is positive with mean 1/rate', () => {
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = rng.exponential(4);
      if (!(x >= 0 && Number.isFinite(x))) outside++;
      sum += x;
    }
    expect(outside).toBe(0);
    expect(Math.abs(sum / 100_000 - 0.25)).toBeLessThan(0.005); // sd of the mean 0.0008
  });

  it('bytes(n) has length n and roughly uniform bytes', () => {
    expect(rng.bytes(0)).toEqual(new Uint8Array(0));
    for (const n of [1, 3, 4, 5, 33]) expect(rng.bytes(n).length).toBe(n);
    const counts = new Array<number>(256).fill(0);
    for (const b of rng.bytes(256_000)) counts[b]!++;
    expect(chiSquare(counts)).toBeLessThan(400);
  });

  it('pick() returns an element and reaches all of them', () => {
    const xs = ['a', 'b', 'c'] as const;
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) seen.add(rng.pick(xs));
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
  });

  it('shuffle() permutes in place and gives each of the 6 orders of 3 items about equally often', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), (xs) => {
        const copy = [...xs];
        const out = rng.shuffle(copy);
        expect(out).toBe(copy);
        expect([...out].sort((a, b) => a - b)).toEqual([...xs].sort((a, b) => a - b));
      }),
      { seed: SEED },
    );
    const counts = new Map<string, number>();
    for (let i = 0; i < 60_000; i++) {
      const key = rng.shuffle([1, 2, 3]).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    expect(chiSquare([...counts.values()])).toBeLessThan(30); // df 5: 30 is p < 2e-5
  });
});

describe('Rng: forks', () => {
  it('are deterministic, labelled, and independent of how much the parent has drawn', () => {
    const parent = new Rng(7);
    const before = take(parent.fork('network'), 10);
    take(parent, 1000);
    expect(take(parent.fork('network'), 10)).toEqual(before);
    expect(take(new Rng(7).fork('network'), 10)).toEqual(before);
    expect(take(new Rng(7).fork('miner'), 10)).not.toEqual(before);
    expect(take(new Rng(8).fork('network'), 10)).not.toEqual(before);
    expect(take(new Rng(7), 10)).not.toEqual(before);
  });

  it('follow the path of labels: a/b, b/a and "ab" differ', () => {
    const root = new Rng('root');
    const streams = [root.fork('a').fork('b'), root.fork('b').fork('a'), root.fork('ab'), root.fork('a')].map((r) => take(r, 4).join());
    expect(new Set(streams).size).toBe(4);
  });

  it('forking draws nothing from the parent', () => {
    const a = new Rng(3);
    const b = new Rng(3);
    a.fork('x');
    expect(take(a, 10)).toEqual(take(b, 10));
  });

  it('are uncorrelated with their parent and with each other', () => {
    const root = new Rng(SEED);
    const streams = [root, root.fork('one'), root.fork('two')];
    const n = 50_000;
    const samples = streams.map((r) => Array.from({ length: n }, () => r.float() - 0.5));
    for (const [i, j] of [[0, 1], [0, 2], [1, 2]] as const) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += samples[i]![k]! * samples[j]![k]!;
      const correlation = dot / (n / 12); // var of U(-1/2, 1/2) is 1/12
      expect(Math.abs(correlation)).toBeLessThan(0.03); // sd 1/sqrt(n) = 0.0045
    }
  });
});

describe('Rng: input guards', () => {
  it('rejects seeds that are not safe integers or strings', () => {
    for (const seed of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, null, undefined, {}]) {
      expectInputError(() => new Rng(seed as number), 'bad-seed');
    }
  });

  it('rejects bad bounds, rates, lengths, empty lists and labels', () => {
    const rng = new Rng(1);
    for (const n of [0, -1, 1.5, 2 ** 32 + 1, Number.NaN]) expectInputError(() => rng.int(n), 'bad-range');
    for (const rate of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expectInputError(() => rng.exponential(rate), 'bad-rate');
    for (const n of [-1, 1.5, Number.NaN]) expectInputError(() => rng.bytes(n), 'bad-length');
    expectInputError(() => rng.pick([]), 'bad-list');
    expectInputError(() => rng.fork(1 as unknown as string), 'bad-label');
  });
});

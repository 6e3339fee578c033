// OM(m): the paper's small cases, the n > 3m theorem as a property, message counts and the round-by-round trace.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import { runOralMessages, type OralAdversary, type OralMessage } from './oral.ts';
import { ORDERS, oppositeOrder } from './orders.ts';
import { oralMessageCount } from './params.ts';
import { oralStrategies, STRATEGIES, type Strategy } from './strategies.ts';

const honest: OralAdversary = { send: ({ honest }) => honest };
/** A traitor commander that tells each lieutenant the order in `told` (by receiver id). */
const commanderSays = (told: Record<number, 'attack' | 'retreat'>): OralAdversary => ({ send: ({ sender, receiver, honest }) => (sender === 0 ? told[receiver]! : honest) });
const heardBy = (trace: readonly OralMessage[], general: number) => trace.filter((x) => x.to === general).map(({ from, path, order }) => ({ from, path, order }));

describe('OM(1) with three generals: one traitor is enough to break it', () => {
  /*
   *   (a) loyal commander           (b) traitor commander
   *          0: attack                0: "attack" to 1, "retreat" to 2
   *        /        \                  /        \
   *   1 <-- "0 said retreat" -- 2*   1 <-- "0 said retreat" -- 2
   */
  const a = runOralMessages({ n: 3, m: 1, order: 'attack', traitors: [2], adversary: { send: ({ honest }) => oppositeOrder(honest) }, trace: true });
  const b = runOralMessages({ n: 3, m: 1, order: 'attack', traitors: [0], adversary: commanderSays({ 1: 'attack', 2: 'retreat' }), trace: true });

  it('a traitor lieutenant makes the loyal one disobey a loyal commander (IC2 broken)', () => {
    expect(a.decisions).toEqual({ 1: 'retreat' }); // attack vs "retreat": a tie, so the default
    expect(a).toMatchObject({ ic1: true, ic2: false, messages: 4 });
  });

  it('lieutenant 1 hears exactly the same in both runs, so no rule can tell it whom to believe', () => {
    expect(heardBy(a.trace!, 1)).toEqual(heardBy(b.trace!, 1));
  });
});

describe('OM(1) with four generals: one traitor is tolerated', () => {
  it('a traitor lieutenant is outvoted', () => {
    for (const order of ORDERS) {
      const run = runOralMessages({ n: 4, m: 1, order, traitors: [3], adversary: { send: ({ honest }) => oppositeOrder(honest) } });
      expect(run.decisions).toEqual({ 1: order, 2: order });
      expect(run).toMatchObject({ ic1: true, ic2: true });
    }
  });

  it('a traitor commander cannot split the lieutenants, whatever it tells each', () => {
    for (let told = 0; told < 8; told++) {
      const say = (i: number) => ((told >> (i - 1)) & 1 ? 'attack' : 'retreat') as 'attack' | 'retreat';
      const run = runOralMessages({ n: 4, m: 1, order: 'attack', traitors: [0], adversary: commanderSays({ 1: say(1), 2: say(2), 3: say(3) }) });
      expect(run.ic1, `told ${told.toString(2)}`).toBe(true);
    }
  });
});

describe('OM(m) messages', () => {
  it('a run with no traitor sends Σ_{k=1..m+1} (n-1)…(n-k) messages, in rounds 1..m+1', () => {
    expect(oralMessageCount(4, 1)).toBe(3 + 3 * 2);
    expect(oralMessageCount(7, 2)).toBe(6 + 6 * 5 + 6 * 5 * 4);
    for (let n = 2; n <= 8; n++) {
      for (let m = 0; m <= 3; m++) {
        const run = runOralMessages({ n, m, order: 'attack', traitors: [], adversary: honest, trace: true });
        expect(run.messages, `n=${n} m=${m}`).toBe(oralMessageCount(n, m));
        expect(run.trace).toHaveLength(run.messages);
        expect(Object.values(run.decisions).every((d) => d === 'attack')).toBe(true);
        for (const msg of run.trace!) {
          expect(msg.path).toHaveLength(msg.round);
          expect(msg.path[0]).toBe(0);
          expect(msg.path.at(-1)).toBe(msg.from);
          expect(msg.path).not.toContain(msg.to);
        }
        expect(run.trace!.map((x) => x.round)).toEqual([...run.trace!.map((x) => x.round)].sort((x, y) => x - y));
      }
    }
  });

  it('a silent traitor sends nothing, and its receivers use the default', () => {
    const run = runOralMessages({ n: 4, m: 1, order: 'attack', traitors: [0], adversary: { send: () => null }, trace: true });
    expect(run.messages).toBe(6); // only the lieutenants' relays of round 2
    expect(run.trace!.every((x) => x.order === 'retreat')).toBe(true);
    expect(run.decisions).toEqual({ 1: 'retreat', 2: 'retreat', 3: 'retreat' });
  });
});

describe('OM(m) theorem: with n > 3m and at most m traitors, IC1 and IC2 hold', () => {
  it('for any traitors and any mix of strategies, seeded random included', () => {
    const scenario = fc
      .record({ n: fc.integer({ min: 2, max: 9 }), mRaw: fc.nat(), seed: fc.string(), order: fc.constantFrom(...ORDERS) })
      .chain(({ n, mRaw, seed, order }) => {
        const m = mRaw % (Math.floor((n - 1) / 3) + 1); // 3m + 1 <= n
        return fc.record({
          n: fc.constant(n),
          m: fc.constant(m),
          seed: fc.constant(seed),
          order: fc.constant(order),
          traitors: fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { maxLength: m }),
          strategies: fc.array(fc.constantFrom<Strategy>(...STRATEGIES), { minLength: m, maxLength: m }),
        });
      });
    fc.assert(
      fc.property(scenario, ({ n, m, seed, order, traitors, strategies }) => {
        const assigned = new Map(traitors.map((t, i) => [t, strategies[i]!]));
        const run = runOralMessages({ n, m, order, traitors, adversary: oralStrategies(assigned, new Rng(seed)) });
        expect(run.ic1 && run.ic2, JSON.stringify({ n, m, order, traitors, strategies, seed, decisions: run.decisions })).toBe(true);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('for traitors that answer every message at random, independently', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 }), fc.integer(), (m, seed) => {
        const n = 3 * m + 1 + (seed & 1); // at the bound and one above
        const rng = new Rng(seed);
        const traitors = rng.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, m);
        const adversary: OralAdversary = { send: ({ path, receiver }) => rng.fork(`${path.join('.')}>${receiver}`).pick([...ORDERS, null]) };
        const run = runOralMessages({ n, m, order: rng.pick(ORDERS), traitors, adversary });
        expect(run.ic1 && run.ic2, `seed ${seed}`).toBe(true);
      }),
      { seed: 7, numRuns: 200 },
    );
  });
});

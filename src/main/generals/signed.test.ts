// SM(m): real BIP-340 chains, forgery and alteration detected, the theorem (any n, at most m traitors) as a property.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nobleSchnorr } from '../core/signatures.ts';
import { Rng } from '../core/rng.ts';
import { wasmSchnorr } from '../crypto/fast-schnorr.ts';
import { runOralMessages } from './oral.ts';
import { ORDERS, oppositeOrder, type Order } from './orders.ts';
import { oralMessageCount } from './params.ts';
import { runSignedMessages, signedMessageCount, type SignedAdversary, type SignedRun } from './signed.ts';
import { GeneralsKeyring, orderDigest, type SignedOrder } from './signing.ts';
import { signedStrategies, STRATEGIES, type Strategy } from './strategies.ts';

const keyring = new GeneralsKeyring(wasmSchnorr);
const honest: SignedAdversary = { send: ({ honest }) => honest };
const sm = (n: number, m: number, order: Order, traitors: number[], adversary: SignedAdversary): SignedRun =>
  runSignedMessages({ n, m, order, traitors, adversary, keyring, trace: true });
/** A traitor that replaces what it would send with `forge(honest order)`. */
const forging = (forge: (o: SignedOrder) => SignedOrder): SignedAdversary => ({ send: ({ honest }) => honest.map(forge) });

describe('the generals sign with BIP-340', () => {
  it('each general has its own key, and an order signature verifies under the reference implementation', () => {
    const keys = Array.from({ length: 8 }, (_, i) => keyring.publicKey(i));
    expect(new Set(keys.map((k) => Buffer.from(k).toString('hex'))).size).toBe(8);
    const signature = keyring.sign('attack', [0, 3]);
    expect(signature).toHaveLength(64);
    expect(nobleSchnorr.verify(signature, orderDigest('attack', [0, 3]), keyring.publicKey(3))).toBe(true);
    expect(nobleSchnorr.verify(signature, orderDigest('retreat', [0, 3]), keyring.publicKey(3))).toBe(false);
    expect(nobleSchnorr.verify(signature, orderDigest('attack', [0, 3]), keyring.publicKey(2))).toBe(false);
  });

  it('the libsecp256k1 backend gives the reference signatures and the same runs', () => {
    const reference = new GeneralsKeyring(nobleSchnorr);
    expect(reference.sign('retreat', [0, 1, 2])).toEqual(keyring.sign('retreat', [0, 1, 2]));
    const adversary = signedStrategies(new Map<number, Strategy>([[0, 'split'], [2, 'opposite']]), new Rng(1));
    const slow = runSignedMessages({ n: 5, m: 2, order: 'attack', traitors: [0, 2], adversary, keyring: reference, trace: true });
    expect(slow).toEqual(sm(5, 2, 'attack', [0, 2], adversary));
  });

  it('signatures and verdicts are cached by their inputs', () => {
    const fresh = new GeneralsKeyring(wasmSchnorr);
    runSignedMessages({ n: 5, m: 1, order: 'attack', traitors: [], adversary: honest, keyring: fresh });
    const { signed, verified } = fresh;
    expect(signed).toBe(1 + 4); // "attack:0" and "attack:0:i"
    runSignedMessages({ n: 5, m: 1, order: 'attack', traitors: [], adversary: honest, keyring: fresh });
    expect([fresh.signed, fresh.verified]).toEqual([signed, verified]);
  });
});

describe('SM(m) with no traitor', () => {
  it('everyone obeys, each lieutenant relays once: (n-1)^2 messages, fewer than OM(m) for m >= 2', () => {
    for (let n = 2; n <= 7; n++) {
      for (let m = 0; m <= 3; m++) {
        const run = sm(n, m, 'retreat', [], honest);
        expect(Object.values(run.decisions).every((d) => d === 'retreat')).toBe(true);
        expect(run.messages, `n=${n} m=${m}`).toBe(signedMessageCount(n, m));
        expect(run.rejected).toBe(0);
        if (m >= 2 && n >= 4) expect(run.messages).toBeLessThan(oralMessageCount(n, m));
        if (m === 1) expect(run.messages).toBe(oralMessageCount(n, m));
      }
    }
  });

  it('round r carries chains of r distinct signers, the commander first and the sender last', () => {
    const run = sm(6, 3, 'attack', [], honest);
    for (const msg of run.trace!) {
      expect(msg.signers).toHaveLength(msg.round);
      expect(msg.signers[0]).toBe(0);
      expect(msg.signers.at(-1)).toBe(msg.from);
      expect(new Set(msg.signers).size).toBe(msg.signers.length);
    }
  });
});

describe('SM(1) with three generals: where OM(1) fails, signatures suffice', () => {
  it('a traitor lieutenant that alters the signed order is caught, and the loyal one obeys', () => {
    expect(runOralMessages({ n: 3, m: 1, order: 'attack', traitors: [2], adversary: { send: ({ honest }) => oppositeOrder(honest) } }).ic2).toBe(false);
    const run = sm(3, 1, 'attack', [2], signedStrategies(new Map([[2, 'opposite']]), new Rng(1)));
    expect(run.decisions).toEqual({ 1: 'attack' });
    expect(run.trace!.filter((x) => x.from === 2)).toEqual([{ round: 2, from: 2, to: 1, order: 'retreat', signers: [0, 2], rejected: 'bad-signature' }]);
    expect(run).toMatchObject({ ic1: true, ic2: true, rejected: 1 });
  });

  it('a traitor commander that signs both orders is exposed: both lieutenants see both and take the default', () => {
    const run = sm(3, 1, 'attack', [0], signedStrategies(new Map([[0, 'split']]), new Rng(1)));
    expect(run.seen).toEqual({ 1: ['attack', 'retreat'], 2: ['attack', 'retreat'] });
    expect(run.decisions).toEqual({ 1: 'retreat', 2: 'retreat' });
    expect(run.rejected).toBe(0);
  });
});

describe('a traitor cannot forge or alter a loyal general’s signature', () => {
  const commanderSaid = (o: SignedOrder) => o.chain[0]!;
  const cases: [string, (o: SignedOrder) => SignedOrder, string][] = [
    // Lieutenant 3 relays "attack:0" as "retreat:0:3", re-signing its own link but not the commander's.
    ['changes the order and re-signs its own link', (o) => ({ order: 'retreat', chain: [commanderSaid(o), { signer: 3, signature: keyring.sign('retreat', [0, 3]) }] }), 'bad-signature'],
    ['signs the opposite order in the commander’s name with its own key', () => {
      const fake = { signer: 0, signature: wasmSchnorr.sign(orderDigest('retreat', [0]), keyring.secretKey(3), new Uint8Array(32)) };
      return { order: 'retreat', chain: [fake, { signer: 3, signature: keyring.sign('retreat', [0, 3]) }] };
    }, 'bad-signature'],
    ['flips one bit of the commander’s signature', (o) => {
      const bad = Uint8Array.from(commanderSaid(o).signature);
      bad[10]! ^= 1;
      return { order: o.order, chain: [{ signer: 0, signature: bad }, o.chain[1]!] };
    }, 'bad-signature'],
    ['claims another lieutenant relayed it', (o) => ({ order: o.order, chain: [commanderSaid(o), { signer: 1, signature: o.chain[1]!.signature }] }), 'bad-sender'],
    ['drops the commander’s signature', (o) => ({ order: o.order, chain: [o.chain[1]!] }), 'bad-chain-length'],
    ['puts itself first', (o) => ({ order: o.order, chain: [o.chain[1]!, commanderSaid(o)] }), 'bad-first-signer'],
  ];
  for (const [what, forge, reason] of cases) {
    it(`a lieutenant that ${what} is discarded: ${reason}`, () => {
      const run = sm(4, 1, 'attack', [3], forging(forge));
      const forged = run.trace!.filter((x) => x.from === 3);
      expect(forged).toHaveLength(2);
      for (const x of forged) expect(x.rejected).toBe(reason);
      expect(run.decisions).toEqual({ 1: 'attack', 2: 'attack' });
    });
  }

  it('a chain signed twice by one general is discarded', () => {
    // Traitor 2 pads "retreat:0:2" (valid only if the commander signed retreat, which it did not) with a second signature of its own.
    const twice = { order: 'retreat' as const, chain: [...keyring.countersign(keyring.issue('retreat'), 2).chain, { signer: 2, signature: keyring.sign('retreat', [0, 2, 2]) }] };
    const run = sm(4, 2, 'attack', [2], { send: ({ round }) => (round === 3 ? [twice] : []) });
    expect(run.trace!.filter((x) => x.from === 2).map((x) => x.rejected)).toEqual(['duplicate-signer', 'duplicate-signer']);
    expect(run.decisions).toEqual({ 1: 'attack', 3: 'attack' });
  });

  it('an order that arrives too late to be relayed is discarded (SM(2): a 2-signature chain in round 3)', () => {
    // Traitors 0 and 3 hold back "retreat:0:3" until the last round and show it to lieutenant 1 only.
    const late: SignedAdversary = {
      send: ({ round, sender, receiver, honest, alter }) => {
        if (sender === 0) return honest;
        if (round === 3 && receiver === 1) return [alter(keyring.countersign(keyring.issue('attack'), 3), 'retreat')];
        return [];
      },
    };
    const run = sm(5, 2, 'attack', [0, 3], late);
    expect(run.trace!.find((x) => x.from === 3)).toMatchObject({ round: 3, to: 1, signers: [0, 3], rejected: 'bad-chain-length' });
    expect(run.decisions).toEqual({ 1: 'attack', 2: 'attack', 4: 'attack' });
  });

  it('traitors may sign whatever they like among themselves: an all-traitor chain is valid', () => {
    const run = sm(4, 1, 'retreat', [0, 3], signedStrategies(new Map<number, Strategy>([[0, 'opposite'], [3, 'split']]), new Rng(1)));
    expect(run.rejected).toBe(0);
    expect(run.trace!.find((x) => x.from === 3 && x.to === 2)).toMatchObject({ order: 'retreat', signers: [0, 3] });
    // With two traitors SM(1) is beyond its bound: lieutenant 1 saw one order, lieutenant 2 both.
    expect(run.seen).toEqual({ 1: ['attack'], 2: ['attack', 'retreat'] });
    expect(run.ic1).toBe(false);
  });
});

describe('SM(m) with m + 1 traitors', () => {
  it('SM(2) breaks with three: a second order signed only by traitors reaches one lieutenant in the last round', () => {
    /*
     *   round 1: 0* -> 1, 2: "attack:0"            (1 and 2 relay it in round 2, as loyal lieutenants do)
     *   round 3: 4* -> 1:   "retreat:0:3:4"        (three traitor signatures, valid; too late for 1 to relay)
     */
    const lateSecondOrder: SignedAdversary = {
      send: ({ round, sender, receiver, honest, coalition }) => {
        if (sender === 0) return honest.filter(() => receiver <= 2);
        if (round === 3 && sender === 4 && receiver === 1) return coalition().filter((o) => o.order === 'retreat' && o.chain.length === 3);
        return [];
      },
    };
    const run = sm(5, 2, 'attack', [0, 3, 4], lateSecondOrder);
    expect(run.trace!.filter((x) => x.from === 4)).toEqual([{ round: 3, from: 4, to: 1, order: 'retreat', signers: [0, 3, 4], rejected: null }]);
    expect(run.seen).toEqual({ 1: ['attack', 'retreat'], 2: ['attack'] });
    expect(run.ic1).toBe(false);
    // The same traitors against SM(3): lieutenant 1 can still relay in round 4, so 2 learns of both orders.
    const longer = runSignedMessages({ n: 5, m: 3, order: 'attack', traitors: [0, 3, 4], adversary: lateSecondOrder, keyring });
    expect(longer.seen).toEqual({ 1: ['attack', 'retreat'], 2: ['attack', 'retreat'] });
    expect(longer.ic1).toBe(true);
  });
});

describe('SM(m) theorem: with at most m traitors, IC1 and IC2 hold for any n', () => {
  /** Traitors that pool everything: each round, to each receiver, a random subset of every order they can sign, plus random forgeries. */
  const coalition = (rng: Rng): SignedAdversary => ({
    send: ({ round, sender, receiver, coalition, alter, honest }) => {
      const r = rng.fork(`${round}|${sender}|${receiver}`);
      const valid = coalition().filter(() => r.int(2) === 1);
      const forged = honest.filter(() => r.int(4) === 0).map((o) => alter(o, oppositeOrder(o.order)));
      return [...valid, ...forged];
    },
  });

  const scenario = fc
    .record({ n: fc.integer({ min: 2, max: 7 }), m: fc.integer({ min: 0, max: 3 }), seed: fc.integer(), order: fc.constantFrom(...ORDERS), pooled: fc.boolean() })
    .chain((x) =>
      fc.record({
        x: fc.constant(x),
        traitors: fc.uniqueArray(fc.integer({ min: 0, max: x.n - 1 }), { maxLength: x.m }),
        strategies: fc.array(fc.constantFrom<Strategy>(...STRATEGIES), { minLength: x.m, maxLength: x.m }),
      }),
    );

  it('against named strategies and against a coalition that sends random subsets of everything it can sign', () => {
    fc.assert(
      fc.property(scenario, ({ x: { n, m, seed, order, pooled }, traitors, strategies }) => {
        const rng = new Rng(seed);
        const adversary = pooled ? coalition(rng) : signedStrategies(new Map(traitors.map((t, i) => [t, strategies[i]!])), rng);
        const run = runSignedMessages({ n, m, order, traitors, adversary, keyring });
        expect(run.ic1 && run.ic2, JSON.stringify({ n, m, order, traitors, pooled, strategies, seed, seen: run.seen })).toBe(true);
        for (const v of Object.values(run.seen)) if (!traitors.includes(0)) expect(v).toEqual([order]);
      }),
      { seed: 42, numRuns: 250 },
    );
  });

  it('every order a loyal lieutenant accepts carries a chain whose loyal signers really signed it', () => {
    const run = sm(6, 2, 'attack', [0, 4], coalition(new Rng('chains')));
    const accepted = run.trace!.filter((x) => x.rejected === null);
    expect(accepted.length).toBeGreaterThan(0);
    for (const x of accepted) {
      for (const signer of x.signers.filter((s) => s !== 0 && s !== 4)) {
        // A loyal signer relays only what it accepted: it saw this order.
        expect(run.seen[signer], JSON.stringify(x)).toContain(x.order);
      }
    }
  });
});

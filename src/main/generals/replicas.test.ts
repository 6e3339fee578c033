// The replica strawmen: where each fails (stuck or wrong), and that 3f + 1 replicas with 2f + 1 matching replies work.

import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import { FAULTY_BEHAVIOURS, replicaTable, runReplicas, STRAWMEN, type FaultyBehaviour, type Strawman } from './replicas.ts';

describe('the strawmen with f = 1', () => {
  it('outcomes by strawman and behaviour', () => {
    const table = Object.fromEntries(replicaTable(1).map((o) => [`${o.strawman} ${o.behaviour}`, `${o.replicas}/${o.waitsFor}/${o.needs} ${o.outcome}`]));
    expect(table).toEqual({
      // strawman: replicas / most replies waited for / matching needed
      '1 lie': '4/4/4 stuck', // one liar halts a client that needs all to agree
      '1 silent': '4/4/4 stuck', // one silent replica halts a client that waits for all
      '1 fast': '4/4/4 stuck',
      '2 lie': '3/2/2 correct',
      '2 silent': '3/2/2 correct',
      '2 fast': '3/2/2 stuck', // the first f replies came from faulty replicas
      '3 lie': '4/3/2 correct',
      '3 silent': '4/3/2 correct',
      '3 fast': '4/3/2 correct',
      '4 lie': '4/4/3 correct',
      '4 silent': '4/4/3 correct',
      '4 fast': '4/4/3 correct',
    });
  });

  it('each outcome says why, and lists the replies in arrival order', () => {
    const fast = runReplicas({ strawman: 2, f: 1, behaviour: 'fast' });
    expect(fast.replies.map((r) => [r.replica, r.faulty, r.value])).toEqual([[0, true, 'x'], [1, false, 'v'], [2, false, 'v']]);
    expect(fast).toMatchObject({ read: 2, value: null });
    expect(fast.explanation).toMatch(/faulty replicas answered first/);
    expect(runReplicas({ strawman: 1, f: 1, behaviour: 'silent' }).explanation).toMatch(/waits forever/);
    expect(runReplicas({ strawman: 1, f: 1, behaviour: 'lie' }).explanation).toMatch(/one liar halts it/);
  });
});

describe('for f = 0..8', () => {
  const all = (f: number) => STRAWMEN.flatMap((s) => FAULTY_BEHAVIOURS.map((b) => runReplicas({ strawman: s, f, behaviour: b })));

  it('no strawman ever accepts a lie while at most f replicas are faulty', () => {
    for (let f = 0; f <= 8; f++) for (const o of all(f)) expect(o.outcome, `${o.strawman} ${o.behaviour} f=${f}`).not.toBe('wrong');
  });

  it('3f + 1 replicas work: the majority of the first 2f + 1, or 2f + 1 matching', () => {
    for (let f = 0; f <= 8; f++) for (const o of all(f).filter((x) => x.strawman >= 3)) expect(o.outcome).toBe('correct');
  });

  it('strawman 1 halts on any single faulty replica; strawman 2 when the faulty ones answer first', () => {
    for (let f = 1; f <= 8; f++) {
      for (const o of all(f)) {
        if (o.strawman === 1) expect(o.outcome).toBe('stuck');
        if (o.strawman === 2) expect(o.outcome).toBe(o.behaviour === 'fast' ? 'stuck' : 'correct');
      }
    }
  });

  it('3f replicas are too few: the first n - f = 2f replies can tie, and f silent leave 2f + 1 matching out of reach', () => {
    for (let f = 1; f <= 8; f++) {
      expect(runReplicas({ strawman: 3, f, behaviour: 'fast', replicas: 3 * f })).toMatchObject({ waitsFor: 2 * f, outcome: 'stuck' });
      expect(runReplicas({ strawman: 4, f, behaviour: 'silent', replicas: 3 * f }).outcome).toBe('stuck');
      for (const behaviour of FAULTY_BEHAVIOURS) {
        for (const strawman of [3, 4] as Strawman[]) expect(runReplicas({ strawman, f, behaviour, replicas: 3 * f + 1 }).outcome).toBe('correct');
      }
    }
  });

  it('with f + 1 faulty replicas answering first, the f + 1 rules accept the lie and 2f + 1 matching stalls', () => {
    for (let f = 1; f <= 8; f++) {
      const beyond = (strawman: Strawman, behaviour: FaultyBehaviour = 'fast') => runReplicas({ strawman, f, behaviour, faulty: f + 1 });
      expect(beyond(2).outcome).toBe('wrong');
      expect(beyond(3).outcome).toBe('wrong');
      expect(beyond(4).outcome).toBe('stuck'); // safe, no longer live
      expect(beyond(4).explanation).toMatch(/more than the f/);
    }
  });
});

describe('bad parameters', () => {
  const cases: [string, Parameters<typeof runReplicas>[0], RegExp][] = [
    ['negative f', { strawman: 1, f: -1, behaviour: 'lie' }, /expected f, .* got -1/],
    ['fractional f', { strawman: 1, f: 1.5, behaviour: 'lie' }, /got 1.5/],
    ['unknown strawman', { strawman: 5 as Strawman, f: 1, behaviour: 'lie' }, /expected a strawman in 1, 2, 3, 4, got 5/],
    ['unknown behaviour', { strawman: 1, f: 1, behaviour: 'loud' as FaultyBehaviour }, /expected a faulty behaviour in lie, silent, fast, got "loud"/],
    ['no more replicas than f', { strawman: 3, f: 2, behaviour: 'lie', replicas: 2 }, /expected a replica count in 3\.\.\d+ \(more than f\), got 2/],
    ['more faulty than replicas', { strawman: 3, f: 1, behaviour: 'lie', faulty: 5 }, /expected the faulty replica count in 0\.\.4, got 5/],
  ];
  for (const [what, params, message] of cases) {
    it(what, () => {
      expect(() => runReplicas(params)).toThrow(InputError);
      expect(() => runReplicas(params)).toThrow(message);
    });
  }
});

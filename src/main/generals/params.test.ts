// Bad parameters of a generals run or search get one clear InputError ("expected X, got Y").

import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import { runOralMessages } from './oral.ts';
import { runGenerals, type GeneralsParams } from './run.ts';
import { searchViolation, type SearchParams } from './search.ts';
import { runSignedMessages } from './signed.ts';
import type { Strategy } from './strategies.ts';

const good: GeneralsParams = { algo: 'om', n: 4, m: 1, order: 'attack', traitors: [2], strategy: 'opposite' };

describe('a generals run refuses', () => {
  const cases: [string, Partial<GeneralsParams>, RegExp][] = [
    ['m < 0', { m: -1 }, /expected m, the number of traitors to tolerate, in 0\.\.32, got -1/],
    ['a fractional m', { m: 0.5 }, /got 0.5/],
    ['n < 2', { n: 1, traitors: [] }, /expected a number of generals n in 2\.\.32 .*got 1/],
    ['too many generals', { n: 33, traitors: [] }, /got 33/],
    ['a traitor id past the last general', { traitors: [4] }, /expected traitor ids in 0\.\.3, got 4/],
    ['a negative traitor id', { traitors: [-1] }, /expected traitor ids in 0\.\.3, got -1/],
    ['a traitor named twice', { traitors: [2, 2], strategy: 'silent' }, /expected distinct traitor ids, got 2 twice/],
    ['an unknown order', { order: 'charge' as 'attack' }, /expected the order attack or retreat, got "charge"/],
    ['an unknown strategy', { strategy: 'bribe' as Strategy }, /expected a strategy in opposite, split, random, silent, got "bribe"/],
    ['a strategy list of the wrong length', { strategy: ['opposite', 'split'] }, /expected one strategy for all traitors or one per traitor \(1\), got 2/],
    ['an unknown algorithm', { algo: 'pbft' as 'om' }, /expected the algorithm om or sm, got "pbft"/],
  ];
  for (const [what, change, message] of cases) {
    for (const algo of ['om', 'sm'] as const) {
      it(`${what} (${algo})`, () => {
        const params = { ...good, algo, ...change };
        expect(() => runGenerals(params)).toThrow(InputError);
        expect(() => runGenerals(params)).toThrow(message);
      });
    }
  }

  it('an OM run too large to finish', () => {
    expect(() => runOralMessages({ n: 20, m: 6, order: 'attack', traitors: [], adversary: { send: () => null } })).toThrow(/expected OM\(m\) to send at most 2000000 messages, got \d+ for n = 20, m = 6/);
  });

  it('the same checks guard the algorithms themselves', () => {
    expect(() => runSignedMessages({ n: 3, m: -2, order: 'attack', traitors: [], adversary: { send: () => [] } })).toThrow(/got -2/);
    expect(() => runOralMessages({ n: 3, m: 1, order: 'attack', traitors: [3], adversary: { send: () => null } })).toThrow(/expected traitor ids in 0\.\.2, got 3/);
  });
});

describe('a search refuses', () => {
  const cases: [string, SearchParams, RegExp][] = [
    ['n < 2', { algo: 'om', n: 1, m: 1 }, /got 1/],
    ['m < 0', { algo: 'sm', n: 4, m: -1 }, /got -1/],
    ['more traitors than generals', { algo: 'om', n: 4, m: 1, maxTraitors: 5 }, /expected the largest traitor set in 0\.\.4, got 5/],
    ['unknown behaviours', { algo: 'om', n: 4, m: 1, behaviours: 'some' as 'every' }, /expected behaviours strategies or every, got "some"/],
    ['a zero case limit', { algo: 'om', n: 4, m: 1, maxCases: 0 }, /expected a positive integer case limit, got 0/],
    ['a search too large for its limit', { algo: 'om', n: 32, m: 1, maxTraitors: 8 }, /expected at most 200000 cases, got \d+/],
  ];
  for (const [what, params, message] of cases) {
    it(what, () => {
      expect(() => searchViolation(params)).toThrow(InputError);
      expect(() => searchViolation(params)).toThrow(message);
    });
  }
});

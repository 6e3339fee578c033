// The exhaustive search: it breaks OM(m) below n = 3m + 1, proves OM(m) and SM(m) safe where the theorems say so.

import { describe, expect, it } from 'vitest';
import { wasmSchnorr } from '../crypto/fast-schnorr.ts';
import { ChoiceSequence } from './choices.ts';
import { runGenerals } from './run.ts';
import { searchViolation, traitorSets } from './search.ts';
import { GeneralsKeyring } from './signing.ts';
import type { Strategy } from './strategies.ts';

const keyring = new GeneralsKeyring(wasmSchnorr);
/** Cases with the three deterministic strategies: both orders, each traitor set of at most m, 3^|traitors| assignments. */
const strategyCases = (n: number, m: number) => traitorSets(n, m).reduce((sum, t) => sum + 2 * 3 ** t.length, 0);

describe('search over traitor sets and deterministic strategies, n = 3..7, m = 1..2', () => {
  for (const m of [1, 2]) {
    for (let n = 3; n <= 7; n++) {
      const broken = n < 3 * m + 1;
      it(`OM(${m}), n = ${n}: ${broken ? 'a violation' : 'none in every case'}`, () => {
        const r = searchViolation({ algo: 'om', n, m });
        if (!broken) {
          expect(r).toMatchObject({ cases: strategyCases(n, m), violation: null });
          return;
        }
        expect(r.violation).not.toBeNull();
        const v = r.violation!;
        expect(v.traitors.length).toBeLessThanOrEqual(m);
        // The violation replays through the same parameters the CLI takes.
        const strategy = v.strategy.split(',') as Strategy[];
        const replay = runGenerals({ algo: 'om', n, m, order: v.order, traitors: v.traitors, strategy: strategy.length === 1 ? strategy[0]! : strategy });
        expect(replay).toMatchObject({ decisions: v.decisions, ic1: v.ic1, ic2: v.ic2 });
        expect(v.ic1 && v.ic2).toBe(false);
      });
      it(`SM(${m}), n = ${n}: none in every case`, () => {
        expect(searchViolation({ algo: 'sm', n, m, keyring })).toMatchObject({ cases: strategyCases(n, m), violation: null });
      });
    }
  }

  it('OM(1) with n = 3 breaks with a single traitor lieutenant telling the opposite', () => {
    expect(searchViolation({ algo: 'om', n: 3, m: 1 }).violation).toEqual({ traitors: [1], strategy: 'opposite', order: 'attack', decisions: { 2: 'retreat' }, ic1: true, ic2: false });
  });

  it('SM(1) breaks with two traitors (the commander and a lieutenant that splits)', () => {
    const r = searchViolation({ algo: 'sm', n: 4, m: 1, maxTraitors: 2, keyring });
    expect(r.violation).toMatchObject({ traitors: [0, 1], strategy: 'opposite,split', ic1: false });
  });

  it('`all` counts every violating case', () => {
    const r = searchViolation({ algo: 'om', n: 3, m: 1, all: true });
    expect(r).toMatchObject({ cases: strategyCases(3, 1), violations: 5 });
  });
});

describe('search over every possible traitor behaviour (small cases)', () => {
  it('OM(1): broken with n = 3, safe for n = 4..7 against anything one traitor can say', () => {
    expect(searchViolation({ algo: 'om', n: 3, m: 1, behaviours: 'every' }).violation).toMatchObject({ traitors: [1], ic2: false });
    for (let n = 4; n <= 7; n++) expect(searchViolation({ algo: 'om', n, m: 1, behaviours: 'every' }).violation, `n=${n}`).toBeNull();
  });

  it('OM(1) with n = 4 and two traitors: broken', () => {
    const r = searchViolation({ algo: 'om', n: 4, m: 1, maxTraitors: 2, behaviours: 'every' });
    expect(r.violation).toMatchObject({ traitors: [0, 1], strategy: 'every' });
    expect(r.violation!.behaviour!.length).toBeGreaterThan(0);
  });

  it('SM(1): safe for n = 3..6 against any choice of validly signed orders one traitor can send', () => {
    for (let n = 3; n <= 6; n++) expect(searchViolation({ algo: 'sm', n, m: 1, behaviours: 'every', keyring }).violation, `n=${n}`).toBeNull();
  });

  it('SM(2) with n = 4: safe against any two traitors', () => {
    expect(searchViolation({ algo: 'sm', n: 4, m: 2, behaviours: 'every', keyring })).toMatchObject({ cases: 8098, violation: null });
  });

  it('SM(1) with n = 4 and two traitors: broken by a relay shown to one lieutenant only', () => {
    const r = searchViolation({ algo: 'sm', n: 4, m: 1, maxTraitors: 2, behaviours: 'every', keyring });
    expect(r.violation).toMatchObject({ traitors: [0, 1], ic1: false });
    expect(r.violation!.behaviour).toEqual([{ round: 2, from: 1, to: 3, order: 'attack', signers: [0, 1], rejected: null }]);
  });

  it('refuses a search beyond its case limit', () => {
    expect(() => searchViolation({ algo: 'om', n: 7, m: 2, behaviours: 'every' })).toThrow(/expected at most 200000 cases/);
    expect(() => searchViolation({ algo: 'sm', n: 5, m: 2, behaviours: 'every', keyring, maxCases: 1000 })).toThrow(/expected at most 1000 cases, got more/);
  });
});

describe('ChoiceSequence', () => {
  it('visits every sequence once, also when later arities depend on earlier picks', () => {
    const choices = new ChoiceSequence();
    const seen: string[] = [];
    do {
      const first = choices.pick(3);
      const rest = Array.from({ length: first }, () => choices.pick(first + 1)); // first = 2: two picks of arity 3
      seen.push([first, ...rest].join(''));
    } while (choices.advance());
    expect(seen).toEqual(['0', '10', '11', '200', '201', '202', '210', '211', '212', '220', '221', '222']);
  });
});

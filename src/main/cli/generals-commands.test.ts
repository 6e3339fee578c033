// `generals om|sm|search` and `replicas` as the CLI parses and prints them: JSON shapes and one-line flag errors.

import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import type { Values } from './command.ts';
import { generalsCommands } from './generals-commands.ts';

/** Parses `args` as cli.ts does, runs the command, and returns what --json would print, parsed back. */
function run(name: string, args: string[]): { json: Record<string, unknown>; text: string } {
  const command = generalsCommands[name]!;
  const { values } = parseArgs({ args, options: command.options, allowPositionals: false, strict: true });
  const result = command.run(values as Values, []);
  return { json: JSON.parse(JSON.stringify(result)), text: command.print(result) };
}

describe('generals om / sm', () => {
  it('prints the decisions of the loyal lieutenants, IC1, IC2 and the message count', () => {
    const { json, text } = run('generals om', ['--n', '3', '--m', '1', '--traitors', '2', '--order', 'attack', '--strategy', 'opposite', '--json']);
    expect(json).toEqual({ decisions: { 1: 'retreat' }, ic1: true, ic2: false, messages: 4 });
    expect(text).toMatch(/IC2 BROKEN; 4 messages/);
  });

  it('SM with the same flags: the altered relay is discarded', () => {
    const { json } = run('generals sm', ['--n', '3', '--m', '1', '--traitors', '2', '--order', 'attack', '--strategy', 'opposite', '--json']);
    expect(json).toEqual({ decisions: { 1: 'attack' }, ic1: true, ic2: true, messages: 4 });
  });

  it('one strategy per traitor, and the trace behind --trace', () => {
    const { json, text } = run('generals sm', ['--n', '4', '--m', '1', '--traitors', '0,3', '--order', 'retreat', '--strategy', 'opposite,split', '--trace']);
    expect(json).toMatchObject({ decisions: { 1: 'attack', 2: 'retreat' }, ic1: false, ic2: true, messages: 9, rejected: 0, seen: { 1: ['attack'], 2: ['attack', 'retreat'] } });
    expect(json.trace).toHaveLength(9);
    expect(text).toMatch(/round 2: 3 -> 2 retreat \(0:3\)/);
  });

  it('the random strategy replays from its seed', () => {
    const args = ['--n', '7', '--m', '2', '--traitors', '1,4', '--strategy', 'random', '--json'];
    const a = run('generals om', [...args, '--seed', 'x']).json;
    expect(run('generals om', [...args, '--seed', 'x']).json).toEqual(a);
    expect(a).toMatchObject({ ic1: true, ic2: true });
    expect(a.messages).toBeLessThan(156);
  });

  it('defaults: no traitors, order attack', () => {
    expect(run('generals om', ['--n', '4', '--m', '1']).json).toEqual({ decisions: { 1: 'attack', 2: 'attack', 3: 'attack' }, ic1: true, ic2: true, messages: 9 });
  });
});

describe('generals search', () => {
  it('finds the OM(1) violation with three generals', () => {
    const { json, text } = run('generals search', ['--algo', 'om', '--n', '3', '--m', '1', '--json']);
    expect(json).toEqual({ cases: 9, violation: { traitors: [1], strategy: 'opposite', order: 'attack', decisions: { 2: 'retreat' }, ic1: true, ic2: false } });
    expect(text).toMatch(/violation after 9 cases/);
  });

  it('proves SM(2) with seven generals safe over every traitor set and strategy', () => {
    const { json, text } = run('generals search', ['--algo', 'sm', '--n', '7', '--m', '2', '--json']);
    expect(json).toEqual({ cases: 422, violation: null });
    expect(text).toMatch(/no violation in 422 cases/);
  });

  it('--all counts the violations; --every tries every behaviour', () => {
    expect(run('generals search', ['--algo', 'om', '--n', '3', '--m', '1', '--all']).json).toMatchObject({ cases: 20, violations: 5 });
    expect(run('generals search', ['--algo', 'om', '--n', '4', '--m', '1', '--every']).json).toEqual({ cases: 110, violation: null });
  });
});

describe('replicas', () => {
  it('prints the outcome of a strawman', () => {
    const { json, text } = run('replicas', ['--strawman', '2', '--f', '1', '--faulty-behaviour', 'fast', '--json']);
    expect(json).toMatchObject({ strawman: 2, replicas: 3, f: 1, faulty: 1, behaviour: 'fast', waitsFor: 2, needs: 2, outcome: 'stuck', value: null });
    expect(json.explanation).toEqual(expect.any(String));
    expect(text).toMatch(/^strawman 2: 3 replicas/);
    expect(text).toMatch(/STUCK: /);
  });

  it('strawman 4: 3f + 1 replicas and 2f + 1 matching replies', () => {
    expect(run('replicas', ['--strawman', '4', '--f', '2', '--faulty-behaviour', 'fast']).json).toMatchObject({ replicas: 7, needs: 5, outcome: 'correct' });
  });
});

describe('bad flags: one clear line', () => {
  const cases: [string, string, string[], RegExp][] = [
    ['n < 2', 'generals om', ['--n', '1', '--m', '1'], /^--n: expected 2\.\.32, got 1$/],
    ['no n', 'generals sm', ['--m', '1'], /^--n: required/],
    ['m < 0', 'generals om', ['--n', '4', '--m=-1'], /^--m: expected 0\.\.32, got -1$/],
    ['a traitor out of range', 'generals om', ['--n', '4', '--m', '1', '--traitors', '0,4'], /^--traitors: expected ids in 0\.\.3 \(0 is the commander\), got 4$/],
    ['a traitor twice', 'generals sm', ['--n', '4', '--m', '1', '--traitors', '2,2'], /^--traitors: expected distinct ids, got 2 twice$/],
    ['a traitor that is not a number', 'generals om', ['--n', '4', '--m', '1', '--traitors', 'two'], /^--traitors: expected comma-separated general ids/],
    ['an unknown order', 'generals om', ['--n', '4', '--m', '1', '--order', 'charge'], /^--order: expected attack or retreat, got "charge"$/],
    ['an unknown strategy', 'generals om', ['--n', '4', '--m', '1', '--traitors', '1', '--strategy', 'bribe'], /^--strategy: expected opposite\|split\|random\|silent/],
    ['strategies not one per traitor', 'generals om', ['--n', '4', '--m', '1', '--traitors', '1', '--strategy', 'split,silent'], /^--strategy: expected one strategy, or one per traitor \(1\), got 2$/],
    ['an unknown algorithm', 'generals search', ['--algo', 'pbft', '--n', '4', '--m', '1'], /^--algo: expected om or sm, got "pbft"$/],
    ['a search too large', 'generals search', ['--algo', 'om', '--n', '7', '--m', '2', '--every'], /^expected at most 200000 cases/],
    ['an unknown strawman', 'replicas', ['--strawman', '7', '--f', '1', '--faulty-behaviour', 'lie'], /^--strawman: expected 1\.\.4, got 7$/],
    ['an unknown behaviour', 'replicas', ['--strawman', '1', '--f', '1', '--faulty-behaviour', 'loud'], /^--faulty-behaviour: expected lie, silent or fast, got "loud"$/],
    ['f < 0', 'replicas', ['--strawman', '1', '--f=-1', '--faulty-behaviour', 'lie'], /^--f: expected 0\.\.1000, got -1$/],
  ];
  for (const [what, name, args, message] of cases) {
    it(what, () => {
      let error: unknown;
      try {
        run(name, args);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toMatch(/\n/);
    });
  }

  it('every command declares --json and --help', () => {
    for (const c of Object.values(generalsCommands)) expect(Object.keys(c.options)).toEqual(expect.arrayContaining(['json', 'help']));
  });
});

// Exhaustive search for a run that breaks IC1 or IC2: over traitor sets, orders, and traitor behaviours.

import { InputError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { ChoiceSequence } from './choices.ts';
import { runOralMessages, type OralAdversary, type OralMessage, type OralRun } from './oral.ts';
import { ORDERS, type Order } from './orders.ts';
import { checkGenerals, checkOralSize, checkTolerance } from './params.ts';
import { checkAlgorithm, type Algorithm } from './run.ts';
import { defaultKeyring, runSignedMessages, type SignedAdversary, type SignedMessage, type SignedRun } from './signed.ts';
import type { GeneralsKeyring } from './signing.ts';
import { DETERMINISTIC_STRATEGIES, describeStrategies, oralStrategies, signedStrategies, type Strategy } from './strategies.ts';

/**
 * strategies: every traitor picks one of the deterministic named strategies (opposite, split, silent);
 * every: every possible behaviour — under OM each traitor message is attack, retreat or nothing; under SM each
 * traitor sends any subset of the orders the traitors can validly sign to each loyal lieutenant, each round
 * (forged orders are left out: receivers discard them, so they change nothing but the message count).
 */
export type Behaviours = 'strategies' | 'every';

export interface SearchParams {
  algo: Algorithm;
  n: number;
  m: number;
  /** Largest traitor set tried (default m: the theorems' bound). */
  maxTraitors?: number;
  behaviours?: Behaviours;
  /** Keep going after the first violation, to count them all. */
  all?: boolean;
  /** Refuse to run more cases than this (`every` grows exponentially). */
  maxCases?: number;
  keyring?: GeneralsKeyring;
}

export interface Violation {
  traitors: number[];
  /** As --strategy takes it (one name, or one per traitor); "every" for a behaviour outside the named strategies. */
  strategy: string;
  order: Order;
  decisions: Record<number, Order>;
  ic1: boolean;
  ic2: boolean;
  /** For `every`: the messages the traitors sent in the violating run. */
  behaviour?: (OralMessage | SignedMessage)[];
}

export interface SearchResult {
  algo: Algorithm;
  n: number;
  m: number;
  maxTraitors: number;
  behaviours: Behaviours;
  /** Runs made: all of them when no violation exists (or with `all`), else up to and including the first violation. */
  cases: number;
  /** Violations among those runs. */
  violations: number;
  /** The first violation in search order (fewest traitors first), or null when none exists. */
  violation: Violation | null;
}

/** About ten seconds of SM runs with `every`; OM runs are ten times cheaper. */
export const DEFAULT_MAX_CASES = 200_000;

/** Subsets of 0..n-1 with at most `max` elements, smallest first, each sorted, in lexicographic order. */
export function traitorSets(n: number, max: number): number[][] {
  const out: number[][] = [];
  const grow = (size: number, start: number, set: number[]): void => {
    if (set.length === size) {
      out.push(set);
      return;
    }
    for (let g = start; g < n; g++) grow(size, g + 1, [...set, g]);
  };
  for (let size = 0; size <= Math.min(max, n); size++) grow(size, 0, []);
  return out;
}

/** Every assignment of the deterministic strategies to `traitors`. */
function strategyAssignments(traitors: readonly number[]): Map<number, Strategy>[] {
  let out: Map<number, Strategy>[] = [new Map()];
  for (const t of traitors) out = out.flatMap((a) => DETERMINISTIC_STRATEGIES.map((s) => new Map(a).set(t, s)));
  return out;
}

function everyOral(choices: ChoiceSequence): OralAdversary {
  const options = [...ORDERS, null] as const;
  return { send: () => options[choices.pick(options.length)]! };
}

function everySigned(choices: ChoiceSequence, traitors: ReadonlySet<number>): SignedAdversary {
  return {
    send({ receiver, coalition }) {
      if (traitors.has(receiver)) return []; // the traitors share everything already
      return coalition().filter(() => choices.pick(2) === 1);
    },
  };
}

/** How many cases `every` makes under OM: 3^(messages the traitors send) per traitor set and order. */
function everyOralCases(n: number, m: number, sets: readonly number[][]): number {
  let total = 0;
  for (const traitors of sets) {
    let sent = 0;
    runOralMessages({ n, m, order: 'attack', traitors, adversary: { send: ({ honest }) => (sent++, honest) } });
    total += ORDERS.length * 3 ** sent;
  }
  return total;
}

/**
 * Runs the algorithm on every combination of traitor set (at most `maxTraitors`), commander's order and traitor
 * behaviour, and judges each run. Lamport, Shostak and Pease: OM(m) satisfies IC1 and IC2 when n > 3m and at
 * most m generals are traitors; SM(m) does for any n with at most m traitors.
 */
export function searchViolation(params: SearchParams): SearchResult {
  const algo = checkAlgorithm(params.algo);
  const n = checkGenerals(params.n);
  const m = checkTolerance(params.m);
  const maxTraitors = params.maxTraitors ?? m;
  if (!Number.isInteger(maxTraitors) || maxTraitors < 0 || maxTraitors > n) {
    throw new InputError('bad-max-traitors', `expected the largest traitor set in 0..${n}, got ${String(maxTraitors)}`);
  }
  const behaviours = params.behaviours ?? 'strategies';
  if (behaviours !== 'strategies' && behaviours !== 'every') {
    throw new InputError('bad-behaviours', `expected behaviours strategies or every, got ${JSON.stringify(behaviours)}`);
  }
  const maxCases = params.maxCases ?? DEFAULT_MAX_CASES;
  if (!Number.isSafeInteger(maxCases) || maxCases < 1) throw new InputError('bad-max-cases', `expected a positive integer case limit, got ${String(maxCases)}`);
  if (algo === 'om') checkOralSize(n, m);
  const keyring = params.keyring ?? defaultKeyring();
  // The case count is known in advance except for SM with `every`, which stops when it passes the limit.
  const tooMany = (planned: number): InputError =>
    new InputError('too-many-cases', `expected at most ${maxCases} cases, got ${planned > Number.MAX_SAFE_INTEGER ? 'more than 2^53' : planned} for ${algo} with n = ${n}, m = ${m}, up to ${maxTraitors} traitors`);
  const perSet = behaviours === 'strategies' ? DETERMINISTIC_STRATEGIES.length : 1; // `every`: at least one case per set
  let planned = 0;
  let setsOfK = 1; // C(n, k)
  for (let k = 0; k <= maxTraitors; k++) {
    planned += ORDERS.length * setsOfK * perSet ** k;
    setsOfK = (setsOfK * (n - k)) / (k + 1);
  }
  if (planned > maxCases) throw tooMany(planned);
  const sets = traitorSets(n, maxTraitors);
  if (algo === 'om' && behaviours === 'every') {
    planned = everyOralCases(n, m, sets);
    if (planned > maxCases) throw tooMany(planned);
  }

  let cases = 0;
  let violations = 0;
  let violation: Violation | null = null;
  const judgeCase = (run: { decisions: Record<number, Order>; ic1: boolean; ic2: boolean }, make: () => Violation): boolean => {
    cases++;
    if (cases > maxCases) throw new InputError('too-many-cases', `expected at most ${maxCases} cases, got more for every behaviour of SM(${m}) with n = ${n}, up to ${maxTraitors} traitors`);
    if (run.ic1 && run.ic2) return false;
    violations++;
    violation ??= make();
    return !params.all;
  };
  const rng = new Rng('search');

  for (const traitors of sets) {
    const traitor = new Set(traitors);
    for (const order of ORDERS) {
      if (behaviours === 'strategies') {
        for (const assigned of strategyAssignments(traitors)) {
          const common = { n, m, order, traitors };
          const run = algo === 'om' ? runOralMessages({ ...common, adversary: oralStrategies(assigned, rng) }) : runSignedMessages({ ...common, adversary: signedStrategies(assigned, rng), keyring });
          const found = () => ({ traitors, strategy: describeStrategies(traitors, assigned), order, decisions: run.decisions, ic1: run.ic1, ic2: run.ic2 });
          if (judgeCase(run, found)) return { algo, n, m, maxTraitors, behaviours, cases, violations, violation };
        }
      } else {
        const choices = new ChoiceSequence();
        do {
          const run = runOne(algo, n, m, order, traitors, choices, traitor, keyring, false);
          const found = (): Violation => {
            // Replay the same choices with a trace to show what the traitors did.
            const traced = runOne(algo, n, m, order, traitors, choices, traitor, keyring, true);
            const sent: (OralMessage | SignedMessage)[] = traced.trace ?? [];
            const behaviour = sent.filter((x) => traitor.has(x.from));
            return { traitors, strategy: 'every', order, decisions: run.decisions, ic1: run.ic1, ic2: run.ic2, behaviour };
          };
          if (judgeCase(run, found)) return { algo, n, m, maxTraitors, behaviours, cases, violations, violation };
        } while (choices.advance());
      }
    }
  }
  return { algo, n, m, maxTraitors, behaviours, cases, violations, violation };
}

/** One run of `every`, its traitors following the current choice sequence from the start. */
function runOne(algo: Algorithm, n: number, m: number, order: Order, traitors: number[], choices: ChoiceSequence, traitor: ReadonlySet<number>, keyring: GeneralsKeyring, trace: boolean): OralRun | SignedRun {
  choices.rewind();
  const common = { n, m, order, traitors, trace };
  return algo === 'om' ? runOralMessages({ ...common, adversary: everyOral(choices) }) : runSignedMessages({ ...common, adversary: everySigned(choices, traitor), keyring });
}

// One run of the generals lab from plain parameters: the algorithm, the traitors and their named strategies.

import { InputError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { runOralMessages, type OralRun } from './oral.ts';
import type { Order } from './orders.ts';
import { checkGenerals, checkTraitors } from './params.ts';
import { runSignedMessages, type SignedRun } from './signed.ts';
import type { GeneralsKeyring } from './signing.ts';
import { assignStrategies, oralStrategies, signedStrategies, type Strategy } from './strategies.ts';

export const ALGORITHMS = ['om', 'sm'] as const;

/** om: oral messages OM(m); sm: signed messages SM(m). */
export type Algorithm = (typeof ALGORITHMS)[number];

export function checkAlgorithm(algo: unknown): Algorithm {
  if (algo !== 'om' && algo !== 'sm') throw new InputError('bad-algo', `expected the algorithm om or sm, got ${JSON.stringify(algo)}`);
  return algo;
}

export interface GeneralsParams {
  algo: Algorithm;
  n: number;
  m: number;
  order: Order;
  traitors: readonly number[];
  /** One strategy for every traitor, or one per traitor in the order of `traitors`. */
  strategy: Strategy | readonly Strategy[];
  /** Seeds the `random` strategy. */
  seed?: string | number;
  trace?: boolean;
  keyring?: GeneralsKeyring;
}

export type GeneralsRun = OralRun | SignedRun;

export function runGenerals(params: GeneralsParams): GeneralsRun {
  const algo = checkAlgorithm(params.algo);
  const traitors = checkTraitors(params.traitors, checkGenerals(params.n));
  // Strategies follow the traitors as given, so pair them before sorting.
  const assigned = assignStrategies(params.traitors, params.strategy);
  const rng = new Rng(params.seed ?? '1');
  const common = { n: params.n, m: params.m, order: params.order, traitors, trace: params.trace ?? false };
  return algo === 'om'
    ? runOralMessages({ ...common, adversary: oralStrategies(assigned, rng) })
    : runSignedMessages({ ...common, adversary: signedStrategies(assigned, rng), keyring: params.keyring });
}

// The named traitor strategies (opposite, split by receiver, seeded random, silent) for OM(m) and SM(m).

import { InputError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import type { OralAdversary } from './oral.ts';
import { oppositeOrder } from './orders.ts';
import type { SignedAdversary } from './signed.ts';
import { signersOf } from './signing.ts';

export const STRATEGIES = ['opposite', 'split', 'random', 'silent'] as const;

/**
 * What a traitor does with each message a loyal general in its place would send:
 *   opposite: sends the opposite order;
 *   split:    tells odd-numbered receivers the truth and even-numbered ones the opposite;
 *   random:   per message, the truth, the opposite or nothing, drawn from the seeded generator;
 *   silent:   sends nothing (receivers fall back to the default).
 * Under SM a traitor cannot make a loyal general's signature say the opposite: its altered orders are
 * discarded, unless every signer on the chain is a traitor (then they simply sign the other order).
 */
export type Strategy = (typeof STRATEGIES)[number];

/** The strategies a search enumerates: the ones that do not draw random numbers. */
export const DETERMINISTIC_STRATEGIES: readonly Strategy[] = ['opposite', 'split', 'silent'];

export function isStrategy(x: unknown): x is Strategy {
  return typeof x === 'string' && (STRATEGIES as readonly string[]).includes(x);
}

/**
 * Each traitor's strategy: one strategy for all, or a list with one per traitor (in the order of `traitors`).
 */
export function assignStrategies(traitors: readonly number[], strategy: Strategy | readonly Strategy[]): Map<number, Strategy> {
  const list = typeof strategy === 'string' ? traitors.map(() => strategy) : strategy;
  if (list.length !== traitors.length) {
    throw new InputError('bad-strategy', `expected one strategy for all traitors or one per traitor (${traitors.length}), got ${list.length}`);
  }
  const assigned = new Map<number, Strategy>();
  traitors.forEach((t, i) => {
    const s = list[i];
    if (!isStrategy(s)) throw new InputError('bad-strategy', `expected a strategy in ${STRATEGIES.join(', ')}, got ${JSON.stringify(s)}`);
    assigned.set(t, s);
  });
  return assigned;
}

/** The assignment as the CLI's --strategy takes it: one name when all traitors share it, else one per traitor. */
export function describeStrategies(traitors: readonly number[], assigned: ReadonlyMap<number, Strategy>): string {
  const names = traitors.map((t) => assigned.get(t) ?? 'silent');
  return names.length > 0 && names.every((s) => s === names[0]) ? names[0]! : names.join(',');
}

/** A strategy's verdict on one message: keep it, flip it, or drop it. */
function act(strategy: Strategy, receiver: number, rng: () => Rng): 'keep' | 'flip' | 'drop' {
  switch (strategy) {
    case 'opposite':
      return 'flip';
    case 'split':
      return receiver % 2 === 1 ? 'keep' : 'flip';
    case 'silent':
      return 'drop';
    case 'random':
      return rng().pick(['keep', 'flip', 'drop'] as const);
  }
}

/** OM traitors following `assigned`; `rng` feeds `random`, one independent stream per message. */
export function oralStrategies(assigned: ReadonlyMap<number, Strategy>, rng: Rng): OralAdversary {
  return {
    send({ sender, receiver, path, honest }) {
      const a = act(assigned.get(sender) ?? 'silent', receiver, () => rng.fork(`om|${path.join('.')}|${receiver}`));
      return a === 'keep' ? honest : a === 'flip' ? oppositeOrder(honest) : null;
    },
  };
}

/** SM traitors following `assigned`; `rng` feeds `random`, one independent stream per message. */
export function signedStrategies(assigned: ReadonlyMap<number, Strategy>, rng: Rng): SignedAdversary {
  return {
    send({ round, sender, receiver, honest, alter }) {
      const strategy = assigned.get(sender) ?? 'silent';
      const out = [];
      for (const signed of honest) {
        const a = act(strategy, receiver, () => rng.fork(`sm|${round}|${signed.order}|${signersOf(signed).join('.')}|${receiver}`));
        if (a === 'keep') out.push(signed);
        else if (a === 'flip') out.push(alter(signed, oppositeOrder(signed.order)));
      }
      return out;
    },
  };
}

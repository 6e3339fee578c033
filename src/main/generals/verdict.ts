// The judgement of a run: IC1 (the loyal lieutenants agree) and IC2 (they obey a loyal commander).

import type { Order } from './orders.ts';

export interface Verdict {
  /** IC1: all loyal lieutenants decide the same order (true when there are fewer than two). */
  ic1: boolean;
  /** IC2: if the commander is loyal, every loyal lieutenant decides its order (true when it is a traitor). */
  ic2: boolean;
}

/** `decisions` holds the loyal lieutenants' decisions only; general 0 is the commander. */
export function judge(order: Order, traitors: readonly number[], decisions: Readonly<Record<number, Order>>): Verdict {
  const decided = Object.values(decisions);
  const ic1 = decided.every((d) => d === decided[0]);
  const ic2 = traitors.includes(0) || decided.every((d) => d === order);
  return { ic1, ic2 };
}

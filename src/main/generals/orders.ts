// The two orders a general can give, the default for a missing message, and the majority and choice functions.

export const ORDERS = ['attack', 'retreat'] as const;

export type Order = (typeof ORDERS)[number];

/** What a lieutenant assumes when an expected message never arrives (Lamport, Shostak and Pease: RETREAT). */
export const DEFAULT_ORDER: Order = 'retreat';

export function isOrder(x: unknown): x is Order {
  return x === 'attack' || x === 'retreat';
}

export function oppositeOrder(order: Order): Order {
  return order === 'attack' ? 'retreat' : 'attack';
}

/**
 * OM(m)'s vote: the order held by more than half of `votes`; the default order on a tie (and for no votes).
 * Every loyal lieutenant applies the same function to the same inputs, which is what makes them agree.
 */
export function majority(votes: readonly Order[]): Order {
  let attack = 0;
  for (const v of votes) if (v === 'attack') attack++;
  const retreat = votes.length - attack;
  if (attack > retreat) return 'attack';
  if (retreat > attack) return 'retreat';
  return DEFAULT_ORDER;
}

/**
 * SM(m)'s choice over the set of validly signed orders a lieutenant has seen: the order itself when there is
 * exactly one; the default when there is none, or when the commander signed both (then it is a proven traitor).
 */
export function choice(seen: ReadonlySet<Order>): Order {
  if (seen.size === 1) return seen.values().next().value as Order;
  return DEFAULT_ORDER;
}

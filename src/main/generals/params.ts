// Checks of the parameters of a generals run: how many generals, how many rounds of relaying, who betrays.

import { InputError } from '../core/errors.ts';
import { isOrder, type Order } from './orders.ts';

/** General ids are single bytes in the signed orders, and the views draw every general. */
export const MAX_GENERALS = 32;
/** OM(m)'s message count grows like n^(m+1); runs beyond this would freeze the caller. */
export const MAX_ORAL_MESSAGES = 2_000_000;

/** Returns `n` when it is a number of generals (the commander and at least one lieutenant). */
export function checkGenerals(n: number): number {
  if (!Number.isInteger(n) || n < 2 || n > MAX_GENERALS) {
    throw new InputError('bad-n', `expected a number of generals n in 2..${MAX_GENERALS} (the commander and at least one lieutenant), got ${String(n)}`);
  }
  return n;
}

/** Returns `m` when it is a number of traitors the algorithm is built for (OM(m), SM(m)). */
export function checkTolerance(m: number): number {
  if (!Number.isInteger(m) || m < 0 || m > MAX_GENERALS) {
    throw new InputError('bad-m', `expected m, the number of traitors to tolerate, in 0..${MAX_GENERALS}, got ${String(m)}`);
  }
  return m;
}

/** Returns the traitors sorted, when they are distinct ids of generals 0..n-1 (0 is the commander). */
export function checkTraitors(traitors: readonly number[], n: number): number[] {
  const seen = new Set<number>();
  for (const t of traitors) {
    if (!Number.isInteger(t) || t < 0 || t >= n) throw new InputError('bad-traitor', `expected traitor ids in 0..${n - 1}, got ${String(t)}`);
    if (seen.has(t)) throw new InputError('bad-traitor', `expected distinct traitor ids, got ${t} twice`);
    seen.add(t);
  }
  return [...seen].sort((a, b) => a - b);
}

export function checkOrder(order: unknown): Order {
  if (!isOrder(order)) throw new InputError('bad-order', `expected the order attack or retreat, got ${JSON.stringify(order)}`);
  return order;
}

/** Messages OM(m) sends among n generals when every general sends every message: Σ_{k=1..m+1} (n-1)(n-2)…(n-k). */
export function oralMessageCount(n: number, m: number): number {
  let total = 0;
  let layer = 1;
  for (let k = 1; k <= m + 1 && k <= n - 1; k++) {
    layer *= n - k; // round k: each path of k distinct senders reaches every general not on it
    total += layer;
  }
  return total;
}

/** Throws when OM(m) among n generals would send more than MAX_ORAL_MESSAGES messages. */
export function checkOralSize(n: number, m: number): void {
  const count = oralMessageCount(n, m);
  if (count > MAX_ORAL_MESSAGES) {
    throw new InputError('too-many-messages', `expected OM(m) to send at most ${MAX_ORAL_MESSAGES} messages, got ${count} for n = ${n}, m = ${m}`);
  }
}

// Lamport, Shostak and Pease's oral messages algorithm OM(m): relay what you heard, recursively, then take the majority.

import { DEFAULT_ORDER, majority, type Order } from './orders.ts';
import { checkGenerals, checkOralSize, checkOrder, checkTolerance, checkTraitors } from './params.ts';
import { judge } from './verdict.ts';

/** One oral message: `from` tells `to` the order; `path` is who relayed it, from the commander (0) to `from`. */
export interface OralMessage {
  readonly round: number;
  readonly from: number;
  readonly to: number;
  readonly path: readonly number[];
  readonly order: Order;
}

export interface OralSendContext {
  readonly sender: number;
  readonly receiver: number;
  /** The relay path so far: path[0] is the commander, the last entry is the sender; its length is the round. */
  readonly path: readonly number[];
  /** What a loyal general in the sender's place would say: the order it was given, or the value it heard. */
  readonly honest: Order;
}

/** How the traitors speak. Only asked about messages a traitor sends; `null` sends nothing. */
export interface OralAdversary {
  send(context: OralSendContext): Order | null;
}

export interface OralParams {
  n: number;
  m: number;
  order: Order;
  traitors: readonly number[];
  adversary: OralAdversary;
  /** Record every message (off for searches, which only need the verdict). */
  trace?: boolean;
}

export interface OralRun {
  algo: 'om';
  n: number;
  m: number;
  order: Order;
  traitors: number[];
  /** Loyal lieutenants only, by id. */
  decisions: Record<number, Order>;
  ic1: boolean;
  ic2: boolean;
  /** Messages actually sent (a silent traitor's are not). */
  messages: number;
  rounds: number;
  /** Every message, round by round, when asked for. */
  trace: OralMessage[] | null;
}

/**
 * Runs OM(m) with general 0 as commander and generals 1..n-1 as lieutenants:
 *   OM(0): the commander sends its value to every lieutenant; each uses the value it received, or the default.
 *   OM(k), k > 0: the commander sends its value to every lieutenant; each lieutenant j then acts as the commander
 *   of OM(k-1) among the other lieutenants, sending the value it received; lieutenant i finally decides the
 *   majority of the value it received and the values it ascribed to each j through those sub-runs.
 * Loyal generals follow this exactly; traitors say whatever the adversary returns.
 */
export function runOralMessages(params: OralParams): OralRun {
  const n = checkGenerals(params.n);
  const m = checkTolerance(params.m);
  const order = checkOrder(params.order);
  const traitors = checkTraitors(params.traitors, n);
  checkOralSize(n, m);
  const traitor = new Set(traitors);
  const { adversary } = params;
  const trace: OralMessage[] | null = params.trace ? [] : null;
  let messages = 0;

  function om(k: number, commander: number, value: Order, lieutenants: readonly number[], path: readonly number[]): Map<number, Order> {
    const received = new Map<number, Order>();
    for (const receiver of lieutenants) {
      const sent = traitor.has(commander) ? adversary.send({ sender: commander, receiver, path, honest: value }) : value;
      if (sent !== null) {
        messages++;
        trace?.push({ round: path.length, from: commander, to: receiver, path, order: sent });
      }
      received.set(receiver, sent ?? DEFAULT_ORDER); // a missing message reads as the default
    }
    if (k === 0) return received;
    const votes = new Map<number, Order[]>();
    for (const i of lieutenants) votes.set(i, [received.get(i)!]);
    for (const j of lieutenants) {
      const others = lieutenants.filter((x) => x !== j);
      const heardFromJ = om(k - 1, j, received.get(j)!, others, [...path, j]);
      for (const [i, v] of heardFromJ) votes.get(i)!.push(v);
    }
    const decided = new Map<number, Order>();
    for (const [i, v] of votes) decided.set(i, majority(v));
    return decided;
  }

  const lieutenants = Array.from({ length: n - 1 }, (_, i) => i + 1);
  const all = om(m, 0, order, lieutenants, [0]);
  const decisions: Record<number, Order> = {};
  for (const [i, v] of all) if (!traitor.has(i)) decisions[i] = v;
  trace?.sort((a, b) => a.round - b.round); // stable: within a round, the order the recursion sent them
  return {
    algo: 'om',
    n,
    m,
    order,
    traitors,
    decisions,
    ...judge(order, traitors, decisions),
    messages,
    rounds: Math.min(m + 1, n - 1),
    trace,
  };
}

// Lamport, Shostak and Pease's signed messages algorithm SM(m), over chains of real BIP-340 signatures.

import { choice, ORDERS, type Order } from './orders.ts';
import { checkGenerals, checkOrder, checkTolerance, checkTraitors } from './params.ts';
import { GeneralsKeyring, signersOf, type SignedOrder } from './signing.ts';
import { judge } from './verdict.ts';

/** Why a lieutenant discarded a signed order (short stable strings, as Bitcoin Core's reject reasons). */
export type RejectReason =
  | 'bad-chain-length' // round r carries orders with exactly r signatures: anything else comes too late to relay
  | 'bad-first-signer' // the first signature is not the commander's
  | 'duplicate-signer' // a general signed twice
  | 'bad-sender' // the last signer is not the general it came from
  | 'bad-signature'; // a signature does not verify: the order was altered or a signature forged

export interface SignedMessage {
  readonly round: number;
  readonly from: number;
  readonly to: number;
  readonly order: Order;
  readonly signers: readonly number[];
  /** null when the receiver accepted the chain. */
  readonly rejected: RejectReason | null;
}

export interface SignedSendContext {
  readonly round: number;
  readonly sender: number;
  readonly receiver: number;
  /** What a loyal general in the sender's place would send the receiver this round. */
  readonly honest: readonly SignedOrder[];
  /**
   * Every order the traitors, pooling their keys and whatever they received, can send from `sender` to
   * `receiver` this round with a chain that verifies. Computed on demand.
   */
  coalition(): readonly SignedOrder[];
  /** `signed` claiming `order` instead: the traitors re-sign their own links; a loyal general's signature cannot be redone, so it stays and fails. */
  alter(signed: SignedOrder, order: Order): SignedOrder;
}

/** How the traitors act. Asked once per (round, traitor, receiver); returns the orders to send (none for silence). */
export interface SignedAdversary {
  send(context: SignedSendContext): readonly SignedOrder[];
}

export interface SignedParams {
  n: number;
  m: number;
  order: Order;
  traitors: readonly number[];
  adversary: SignedAdversary;
  /** Signs and verifies; share one across runs so its caches pay off. Defaults to one over @noble/secp256k1. */
  keyring?: GeneralsKeyring;
  trace?: boolean;
}

export interface SignedRun {
  algo: 'sm';
  n: number;
  m: number;
  order: Order;
  traitors: number[];
  decisions: Record<number, Order>;
  ic1: boolean;
  ic2: boolean;
  /** Messages sent, including the ones their receivers discarded. */
  messages: number;
  /** Messages discarded because their chain did not check out. */
  rejected: number;
  rounds: number;
  /** The set of validly signed orders each loyal lieutenant ended with (the input of its choice). */
  seen: Record<number, Order[]>;
  trace: SignedMessage[] | null;
}

/**
 * Messages SM(m) sends when nobody betrays: each lieutenant relays the one order it sees once, so
 * (n-1) + (n-1)(n-2) = (n-1)^2 for any m >= 1, against OM(m)'s Σ_{k=1..m+1} (n-1)…(n-k).
 */
export function signedMessageCount(n: number, m: number): number {
  return m === 0 || n <= 2 ? n - 1 : (n - 1) ** 2;
}

let sharedKeyring: GeneralsKeyring | undefined;

/** The process-wide keyring over the reference backend. */
export function defaultKeyring(): GeneralsKeyring {
  sharedKeyring ??= new GeneralsKeyring();
  return sharedKeyring;
}

/**
 * Runs SM(m) with general 0 as commander, in synchronous rounds 1..m+1 (round r carries orders with r signatures):
 *   round 1: the commander signs its order and sends it to every lieutenant;
 *   on accepting a validly signed order v:0:j1:…:jk whose value it has not seen, a lieutenant adds v to its set
 *   and, if k < m, countersigns it and sends v:0:j1:…:jk:i to every lieutenant not on the chain, next round;
 *   after round m+1 each lieutenant obeys choice(its set).
 * A chain is checked in full; a forged or altered one is discarded, as is one that is too short for its round.
 */
export function runSignedMessages(params: SignedParams): SignedRun {
  const n = checkGenerals(params.n);
  const m = checkTolerance(params.m);
  const order = checkOrder(params.order);
  const traitors = checkTraitors(params.traitors, n);
  const keyring = params.keyring ?? defaultKeyring();
  const { adversary } = params;
  const traitor = new Set(traitors);
  const lieutenants = Array.from({ length: n - 1 }, (_, i) => i + 1);
  const rounds = Math.min(m + 1, n - 1);
  const trace: SignedMessage[] | null = params.trace ? [] : null;
  let messages = 0;
  let rejected = 0;

  const seen = new Map<number, Set<Order>>(lieutenants.map((i) => [i, new Set<Order>()]));
  /** Orders each lieutenant accepted with a new value last round: what it relays this round. */
  let fresh = new Map<number, SignedOrder[]>();
  /** Valid orders the traitors received, by round. */
  const receivedByTraitors: SignedOrder[][] = [];
  const coalition = new CoalitionKnowledge(keyring, traitor, receivedByTraitors, lieutenants);

  const alter = (signed: SignedOrder, value: Order): SignedOrder => {
    const signers = signersOf(signed);
    return {
      order: value,
      chain: signed.chain.map((link, i) => (traitor.has(link.signer) ? { signer: link.signer, signature: keyring.sign(value, signers.slice(0, i + 1)) } : link)),
    };
  };

  for (let round = 1; round <= rounds; round++) {
    const outgoing: { from: number; to: number; signed: SignedOrder }[] = [];
    const honestFor = (sender: number, receiver: number): SignedOrder[] => {
      if (round === 1) return [keyring.issue(order)];
      return (fresh.get(sender) ?? []).filter((o) => !signersOf(o).includes(receiver)).map((o) => keyring.countersign(o, sender));
    };
    for (const sender of round === 1 ? [0] : lieutenants) {
      for (const receiver of lieutenants) {
        if (receiver === sender) continue;
        const honest = honestFor(sender, receiver);
        const sent = traitor.has(sender)
          ? adversary.send({ round, sender, receiver, honest, coalition: () => coalition.sendable(round, sender, receiver), alter })
          : honest;
        for (const signed of sent) outgoing.push({ from: sender, to: receiver, signed });
      }
    }
    const next = new Map<number, SignedOrder[]>();
    const toTraitors: SignedOrder[] = [];
    for (const { from, to, signed } of outgoing) {
      messages++;
      const reason = checkMessage(keyring, signed, round, from);
      if (reason) rejected++;
      trace?.push({ round, from, to, order: signed.order, signers: signersOf(signed), rejected: reason });
      if (reason) continue;
      if (traitor.has(to)) toTraitors.push(signed);
      const values = seen.get(to)!;
      if (values.has(signed.order)) continue;
      values.add(signed.order);
      if (round <= m) next.set(to, [...(next.get(to) ?? []), signed]); // k = round - 1 lieutenant signatures < m: relay
    }
    receivedByTraitors[round] = toTraitors;
    fresh = next;
  }

  const decisions: Record<number, Order> = {};
  const seenByLoyal: Record<number, Order[]> = {};
  for (const i of lieutenants) {
    if (traitor.has(i)) continue;
    const values = seen.get(i)!;
    decisions[i] = choice(values);
    seenByLoyal[i] = ORDERS.filter((v) => values.has(v));
  }
  return { algo: 'sm', n, m, order, traitors, decisions, ...judge(order, traitors, decisions), messages, rejected, rounds, seen: seenByLoyal, trace };
}

/** The receiver's checks of an order that arrived in `round` from `sender`; null when it is acceptable. */
export function checkMessage(keyring: GeneralsKeyring, signed: SignedOrder, round: number, sender: number): RejectReason | null {
  const signers = signersOf(signed);
  if (signers.length !== round) return 'bad-chain-length';
  if (signers[0] !== 0) return 'bad-first-signer';
  if (signers.some((s, i) => signers.indexOf(s) !== i)) return 'duplicate-signer';
  if (signers[signers.length - 1] !== sender) return 'bad-sender';
  if (!keyring.verifyChain(signed)) return 'bad-signature';
  return null;
}

/**
 * What the traitors can sign, pooled: round 1, both orders if the commander is a traitor; round r, any order they
 * knew with r-1 signatures (built or received) countersigned by a traitor not yet on it.
 */
class CoalitionKnowledge {
  readonly #keyring: GeneralsKeyring;
  readonly #traitor: ReadonlySet<number>;
  readonly #received: readonly (readonly SignedOrder[] | undefined)[];
  readonly #traitorLieutenants: number[];
  readonly #built = new Map<number, SignedOrder[]>();

  constructor(keyring: GeneralsKeyring, traitor: ReadonlySet<number>, received: readonly (readonly SignedOrder[] | undefined)[], lieutenants: readonly number[]) {
    this.#keyring = keyring;
    this.#traitor = traitor;
    this.#received = received;
    this.#traitorLieutenants = lieutenants.filter((i) => traitor.has(i));
  }

  /** Valid orders with `round` signatures, the last by `sender`, that `receiver` has not signed. */
  sendable(round: number, sender: number, receiver: number): SignedOrder[] {
    return this.#build(round).filter((o) => {
      const signers = signersOf(o);
      return signers[signers.length - 1] === sender && !signers.includes(receiver);
    });
  }

  #build(round: number): SignedOrder[] {
    let built = this.#built.get(round);
    if (built) return built;
    built = [];
    if (round === 1) {
      if (this.#traitor.has(0)) built = ORDERS.map((v) => this.#keyring.issue(v));
    } else {
      const known = new Map<string, SignedOrder>();
      for (const o of [...this.#build(round - 1), ...(this.#received[round - 1] ?? [])]) known.set(`${o.order}|${signersOf(o).join('.')}`, o);
      for (const o of known.values()) {
        const signers = signersOf(o);
        for (const t of this.#traitorLieutenants) if (!signers.includes(t)) built.push(this.#keyring.countersign(o, t));
      }
    }
    this.#built.set(round, built);
    return built;
  }
}

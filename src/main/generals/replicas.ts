// The lecture's replica strawmen: how many replicas a client needs, and how many matching replies, with f Byzantine ones.

import { InputError } from '../core/errors.ts';

export const STRAWMEN = [1, 2, 3, 4] as const;

/**
 * 1: n replicas (3f + 1 by default); the client waits for all n replies and proceeds only if all agree.
 * 2: 2f + 1 replicas; the client can count on n - f = f + 1 replies and needs f + 1 of them to match.
 * 3: 3f + 1 replicas; the client waits for the first n - f = 2f + 1 replies and takes their majority.
 * 4: 3f + 1 replicas; the client waits until 2f + 1 replies match (the quorum BFT protocols use).
 */
export type Strawman = (typeof STRAWMEN)[number];

export const FAULTY_BEHAVIOURS = ['lie', 'silent', 'fast'] as const;

/**
 * lie:    the faulty replicas answer the same wrong value, after the correct ones;
 * silent: they never answer (the client cannot tell them from slow correct replicas);
 * fast:   they answer the same wrong value before any correct replica does.
 */
export type FaultyBehaviour = (typeof FAULTY_BEHAVIOURS)[number];

/** The value the correct replicas hold, and the one the faulty replicas claim. */
export const TRUE_VALUE = 'v';
export const FALSE_VALUE = 'x';

export interface ReplicaParams {
  strawman: Strawman;
  /** The number of faulty replicas the system is sized for. */
  f: number;
  behaviour: FaultyBehaviour;
  /** Replicas; defaults to the strawman's (3f + 1, 2f + 1, 3f + 1, 3f + 1). */
  replicas?: number;
  /** Replicas that actually misbehave; defaults to f (more breaks the assumption, to see what it buys). */
  faulty?: number;
}

export interface Reply {
  replica: number;
  faulty: boolean;
  value: string;
}

export type ReplicaVerdict = 'correct' | 'wrong' | 'stuck';

export interface ReplicaOutcome {
  strawman: Strawman;
  rule: string;
  replicas: number;
  f: number;
  faulty: number;
  behaviour: FaultyBehaviour;
  /** Most replies the client waits for. */
  waitsFor: number;
  /** Matching replies it needs to accept a value. */
  needs: number;
  /** Replies in arrival order (silent replicas send none). */
  replies: Reply[];
  /** Replies the client read before it accepted a value or could go no further. */
  read: number;
  /** correct: it accepted the true value; wrong: it accepted the lie; stuck: it never accepts anything. */
  outcome: ReplicaVerdict;
  value: string | null;
  explanation: string;
}

export const MAX_FAULTY = 1000;

const RULES: Record<Strawman, string> = {
  1: 'wait for all n replies; proceed only if all agree',
  2: 'wait for the first n - f replies; accept f + 1 matching',
  3: 'wait for the first n - f replies; take their majority',
  4: 'wait until 2f + 1 replies match',
};

export function checkStrawman(x: unknown): Strawman {
  if (!(STRAWMEN as readonly unknown[]).includes(x)) throw new InputError('bad-strawman', `expected a strawman in ${STRAWMEN.join(', ')}, got ${JSON.stringify(x)}`);
  return x as Strawman;
}

export function checkFaultyBehaviour(x: unknown): FaultyBehaviour {
  if (!(FAULTY_BEHAVIOURS as readonly unknown[]).includes(x)) {
    throw new InputError('bad-behaviour', `expected a faulty behaviour in ${FAULTY_BEHAVIOURS.join(', ')}, got ${JSON.stringify(x)}`);
  }
  return x as FaultyBehaviour;
}

/** The replica count each strawman is built with. */
export function defaultReplicas(strawman: Strawman, f: number): number {
  return strawman === 2 ? 2 * f + 1 : 3 * f + 1;
}

/** Asks every replica once and runs the strawman's client on the replies as they arrive. */
export function runReplicas(params: ReplicaParams): ReplicaOutcome {
  const strawman = checkStrawman(params.strawman);
  const behaviour = checkFaultyBehaviour(params.behaviour);
  const f = params.f;
  if (!Number.isInteger(f) || f < 0 || f > MAX_FAULTY) throw new InputError('bad-f', `expected f, the faulty replicas to tolerate, in 0..${MAX_FAULTY}, got ${String(f)}`);
  const n = params.replicas ?? defaultReplicas(strawman, f);
  if (!Number.isInteger(n) || n <= f || n > 4 * MAX_FAULTY + 1) {
    throw new InputError('bad-replicas', `expected a replica count in ${f + 1}..${4 * MAX_FAULTY + 1} (more than f), got ${String(n)}`);
  }
  const faulty = params.faulty ?? f;
  if (!Number.isInteger(faulty) || faulty < 0 || faulty > n) throw new InputError('bad-faulty', `expected the faulty replica count in 0..${n}, got ${String(faulty)}`);

  // Replicas 0..faulty-1 are the faulty ones.
  const correct: Reply[] = [];
  const lies: Reply[] = [];
  for (let r = 0; r < n; r++) (r < faulty ? lies : correct).push({ replica: r, faulty: r < faulty, value: r < faulty ? FALSE_VALUE : TRUE_VALUE });
  const replies = behaviour === 'fast' ? [...lies, ...correct] : behaviour === 'lie' ? [...correct, ...lies] : correct;

  // The client's rule: how many replies it will wait for, and when it accepts.
  const waitsFor = strawman === 1 || strawman === 4 ? n : n - f;
  const needs = strawman === 1 ? n : strawman === 2 ? f + 1 : strawman === 3 ? Math.floor(waitsFor / 2) + 1 : 2 * f + 1;
  const counts = new Map<string, number>();
  let read = 0;
  let value: string | null = null;
  for (const reply of replies) {
    if (read === waitsFor) break;
    read++;
    const c = (counts.get(reply.value) ?? 0) + 1;
    counts.set(reply.value, c);
    if (strawman !== 3 && c >= needs) {
      value = reply.value;
      break;
    }
  }
  if (strawman === 3 && read === waitsFor) {
    for (const [v, c] of counts) if (c >= needs) value = v; // the majority of the replies read
  }
  const outcome: ReplicaVerdict = value === null ? 'stuck' : value === TRUE_VALUE ? 'correct' : 'wrong';
  const base = { strawman, rule: RULES[strawman], replicas: n, f, faulty, behaviour, waitsFor, needs, replies, read, outcome, value };
  return { ...base, explanation: explain(base, counts) };
}

function explain(o: Omit<ReplicaOutcome, 'explanation'>, counts: ReadonlyMap<string, number>): string {
  const truths = counts.get(TRUE_VALUE) ?? 0;
  const lies = counts.get(FALSE_VALUE) ?? 0;
  const beyond = o.faulty > o.f ? ` (${count(o.faulty, 'faulty replica')}: more than the f = ${o.f} the system is built for)` : '';
  if (o.outcome === 'correct') {
    switch (o.strawman) {
      case 1:
        return `all ${o.replicas} replicas answer the true value (none misbehaves).`;
      case 2:
        return `the first ${count(o.read, 'reply', 'replies')} all carry the true value${o.faulty > 0 ? (o.behaviour === 'silent' ? ': the faulty replicas stay silent' : ': the faulty replicas answered last') : ''}.`;
      case 3:
        return `${truths} of the first ${o.waitsFor} replies carry the true value, a majority${o.waitsFor === 2 * o.f + 1 ? ': at most f of any 2f + 1 replies are faulty, so f + 1 are always correct' : ''}.`;
      case 4:
        return `${o.needs} replies matched on the true value after ${count(o.read, 'reply', 'replies')}: f faulty replicas can never bring a lie to 2f + 1, and the 2f + 1 correct ones always answer.`;
    }
  }
  if (o.outcome === 'wrong') {
    return o.strawman === 3
      ? `${lies} of the first ${o.waitsFor} replies are lies, a majority, so the client accepted the lie${beyond}.`
      : `${lies} lies matched before ${o.needs} true replies did, so the client accepted the lie${beyond}.`;
  }
  const arrived = o.replies.length;
  if (arrived < o.waitsFor) {
    return `only ${arrived} of ${o.replicas} replicas answer and the client waits for ${o.waitsFor} replies: it waits forever${o.strawman === 1 ? ' (one silent replica halts a client that waits for all)' : beyond}.`;
  }
  const best = Math.max(truths, lies);
  switch (o.strawman) {
    case 1:
      return `the faulty replies differ from the others and the client proceeds only if all ${o.replicas} agree: one liar halts it.`;
    case 2:
      return `the first ${o.waitsFor} replies hold at most ${best} matching, fewer than the ${o.needs} needed${o.behaviour === 'fast' ? ', because the faulty replicas answered first' : ''}; waiting for more is no way out, since the last ${count(o.f, 'replica')} may never answer.`;
    case 3:
      return `the first ${o.waitsFor} replies split ${truths} to ${lies}: no majority.`;
    case 4:
      return `at most ${best} replies match, fewer than the ${o.needs} needed${beyond}.`;
  }
}

function count(k: number, one: string, many = `${one}s`): string {
  return `${k} ${k === 1 ? one : many}`;
}

/** Every strawman against every behaviour, for a table. */
export function replicaTable(f: number): ReplicaOutcome[] {
  return STRAWMEN.flatMap((strawman) => FAULTY_BEHAVIOURS.map((behaviour) => runReplicas({ strawman, f, behaviour })));
}

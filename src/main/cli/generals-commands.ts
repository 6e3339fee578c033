// `generals om|sm|search` and `replicas`: the Byzantine generals lab and the lecture's replica strawmen.

import { InputError } from '../core/errors.ts';
import { wasmSchnorr } from '../crypto/fast-schnorr.ts';
import type { Order } from '../generals/orders.ts';
import { checkFaultyBehaviour, checkStrawman, runReplicas, type ReplicaOutcome } from '../generals/replicas.ts';
import { runGenerals, type Algorithm, type GeneralsRun } from '../generals/run.ts';
import { DEFAULT_MAX_CASES, searchViolation, type SearchResult } from '../generals/search.ts';
import { GeneralsKeyring } from '../generals/signing.ts';
import { isStrategy, STRATEGIES, type Strategy } from '../generals/strategies.ts';
import { int, str, type Command, type Values } from './command.ts';

const common = { json: { type: 'boolean' }, help: { type: 'boolean' } } as const;

/** The full run behind a command's JSON, for the human-readable printout (JSON.stringify skips symbol keys). */
const DETAILS = Symbol('details');

let keyring: GeneralsKeyring | undefined;
/** libsecp256k1 signs and verifies the same BIP-340 signatures as the reference, ten times faster. */
const fastKeyring = (): GeneralsKeyring => (keyring ??= new GeneralsKeyring(wasmSchnorr));

function traitorList(v: string | boolean | undefined, n: number): number[] {
  if (v === undefined || v === '') return [];
  const ids = typeof v === 'string' && /^\d+(,\d+)*$/.test(v.replace(/\s/g, '')) ? v.replace(/\s/g, '').split(',').map(Number) : null;
  if (!ids) throw new InputError('bad-flag', `--traitors: expected comma-separated general ids such as 0,2, got ${JSON.stringify(v)}`);
  for (const [i, id] of ids.entries()) {
    if (id >= n) throw new InputError('bad-flag', `--traitors: expected ids in 0..${n - 1} (0 is the commander), got ${id}`);
    if (ids.indexOf(id) !== i) throw new InputError('bad-flag', `--traitors: expected distinct ids, got ${id} twice`);
  }
  return ids;
}

function strategyList(v: string | boolean | undefined, traitors: number): Strategy | Strategy[] {
  const names = str(v, 'opposite').split(',').map((s) => s.trim());
  for (const s of names) if (!isStrategy(s)) throw new InputError('bad-flag', `--strategy: expected ${STRATEGIES.join('|')} (or one per traitor, comma-separated), got ${JSON.stringify(s)}`);
  if (names.length > 1 && names.length !== traitors) throw new InputError('bad-flag', `--strategy: expected one strategy, or one per traitor (${traitors}), got ${names.length}`);
  return names.length === 1 ? (names[0] as Strategy) : (names as Strategy[]);
}

function orderFlag(v: string | boolean | undefined): Order {
  const order = str(v, 'attack');
  if (order !== 'attack' && order !== 'retreat') throw new InputError('bad-flag', `--order: expected attack or retreat, got ${JSON.stringify(order)}`);
  return order;
}

const decisionsText = (d: Record<number, Order>): string => Object.entries(d).map(([i, o]) => `${i} ${o}`).join(', ') || 'none (no loyal lieutenant)';
const verdictText = (x: { ic1: boolean; ic2: boolean }): string => `IC1 ${x.ic1 ? 'holds' : 'BROKEN'}, IC2 ${x.ic2 ? 'holds' : 'BROKEN'}`;

function runCommand(algo: Algorithm): Command {
  return {
    usage: `--n N --m M [--traitors 0,2] [--order attack|retreat] [--strategy ${STRATEGIES.join('|')}[,...]] [--seed S] [--trace] [--json]   ${algo === 'om' ? 'oral messages OM(m)' : 'signed messages SM(m), BIP-340 signature chains'}`,
    options: { ...common, n: { type: 'string' }, m: { type: 'string' }, traitors: { type: 'string' }, order: { type: 'string' }, strategy: { type: 'string' }, seed: { type: 'string' }, trace: { type: 'boolean' } },
    run(v: Values) {
      const n = int(v.n, 'n', 2, 32);
      const traitors = traitorList(v.traitors, n);
      const run = runGenerals({
        algo,
        n,
        m: int(v.m, 'm', 0, 32),
        order: orderFlag(v.order),
        traitors,
        strategy: strategyList(v.strategy, traitors.length),
        seed: str(v.seed, '1'),
        trace: v.trace === true,
        keyring: algo === 'sm' ? fastKeyring() : undefined,
      });
      const out: Record<string | symbol, unknown> = { decisions: run.decisions, ic1: run.ic1, ic2: run.ic2, messages: run.messages };
      if (v.trace === true) {
        out.trace = run.trace;
        if (run.algo === 'sm') Object.assign(out, { rejected: run.rejected, seen: run.seen });
      }
      out[DETAILS] = run;
      return out;
    },
    print(result) {
      const run = (result as { [DETAILS]: GeneralsRun })[DETAILS];
      const head = `${run.algo.toUpperCase()}(${run.m}) with n = ${run.n}, order ${run.order}, traitors ${run.traitors.join(',') || 'none'}`;
      const lines = [head, `decisions: ${decisionsText(run.decisions)}`, `${verdictText(run)}; ${run.messages} messages${run.algo === 'sm' ? ` (${run.rejected} discarded)` : ''}`];
      for (const msg of run.trace ?? []) {
        const chain = 'path' in msg ? msg.path.join(':') : `${msg.signers.join(':')}${msg.rejected ? ` rejected: ${msg.rejected}` : ''}`;
        lines.push(`  round ${msg.round}: ${msg.from} -> ${msg.to} ${msg.order} (${chain})`);
      }
      return lines.join('\n');
    },
  };
}

export const generalsCommands: Record<string, Command> = {
  'generals om': runCommand('om'),
  'generals sm': runCommand('sm'),
  'generals search': {
    usage: '--algo om|sm --n N --m M [--max-traitors K] [--every] [--all] [--max-cases C] [--json]   every traitor set and strategy: a violation of IC1/IC2, or none',
    options: { ...common, algo: { type: 'string' }, n: { type: 'string' }, m: { type: 'string' }, 'max-traitors': { type: 'string' }, every: { type: 'boolean' }, all: { type: 'boolean' }, 'max-cases': { type: 'string' } },
    run(v: Values) {
      const algo = str(v.algo, '');
      if (algo !== 'om' && algo !== 'sm') throw new InputError('bad-flag', `--algo: expected om or sm, got ${JSON.stringify(v.algo ?? null)}`);
      const n = int(v.n, 'n', 2, 32);
      const m = int(v.m, 'm', 0, 32);
      const result = searchViolation({
        algo,
        n,
        m,
        maxTraitors: int(v['max-traitors'], 'max-traitors', 0, n, m),
        behaviours: v.every === true ? 'every' : 'strategies',
        all: v.all === true,
        maxCases: int(v['max-cases'], 'max-cases', 1, 100_000_000, DEFAULT_MAX_CASES),
        keyring: algo === 'sm' ? fastKeyring() : undefined,
      });
      const out: Record<string | symbol, unknown> = { cases: result.cases, violation: result.violation };
      if (v.all === true) out.violations = result.violations;
      out[DETAILS] = result;
      return out;
    },
    print(result) {
      const r = (result as { [DETAILS]: SearchResult })[DETAILS];
      const what = `${r.algo.toUpperCase()}(${r.m}) with n = ${r.n}, up to ${r.maxTraitors} traitors, ${r.behaviours === 'every' ? 'every behaviour' : 'deterministic strategies'}`;
      if (!r.violation) return `${what}: no violation in ${r.cases} cases`;
      const x = r.violation;
      return [
        `${what}: violation${r.violations > 1 ? `s: ${r.violations} of` : ' after'} ${r.cases} cases`,
        `  traitors ${x.traitors.join(',')} (${x.strategy}), order ${x.order}: decisions ${decisionsText(x.decisions)}; ${verdictText(x)}`,
      ].join('\n');
    },
  },
  replicas: {
    usage: '--strawman 1|2|3|4 --f F --faulty-behaviour lie|silent|fast [--replicas N] [--faulty K] [--json]   the replica strawmen: correct, wrong or stuck',
    options: { ...common, strawman: { type: 'string' }, f: { type: 'string' }, 'faulty-behaviour': { type: 'string' }, replicas: { type: 'string' }, faulty: { type: 'string' } },
    run(v: Values) {
      const strawman = int(v.strawman, 'strawman', 1, 4);
      const behaviour = str(v['faulty-behaviour'], '');
      if (!['lie', 'silent', 'fast'].includes(behaviour)) throw new InputError('bad-flag', `--faulty-behaviour: expected lie, silent or fast, got ${JSON.stringify(v['faulty-behaviour'] ?? null)}`);
      const f = int(v.f, 'f', 0, 1000);
      return runReplicas({
        strawman: checkStrawman(strawman),
        f,
        behaviour: checkFaultyBehaviour(behaviour),
        replicas: v.replicas === undefined ? undefined : int(v.replicas, 'replicas', f + 1, 4001),
        faulty: v.faulty === undefined ? undefined : int(v.faulty, 'faulty', 0, 4001),
      });
    },
    print(result) {
      const r = result as ReplicaOutcome;
      return [
        `strawman ${r.strawman}: ${r.replicas} replicas, f = ${r.f}, ${r.faulty} faulty (${r.behaviour}); the client: ${r.rule}`,
        `arrivals: ${r.replies.map((x) => `${x.replica}${x.faulty ? '*' : ''}=${x.value}`).join(' ') || 'none'}`,
        `${r.outcome.toUpperCase()}: ${r.explanation}`,
      ].join('\n');
    },
  },
};

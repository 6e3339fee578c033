// The contract's methods, implemented on the engine; and `dispatch`, the one entry every transport calls.

import { z } from 'zod';
import { methods, type MethodName, type Outcome, type ParsedParams, type Result } from '../../shared/api.ts';
import { ATTACKS, type AttackName } from '../attacks/index.ts';
import { parseParams, type AttackDefinition } from '../attacks/attack.ts';
import { simulateDoubleSpend, wilsonInterval, Z_95 } from '../attacks/sim.ts';
import { exactDoubleSpendProbability, nakamotoProbability, selfishRevenueShare, selfishThreshold } from '../attacks/theory.ts';
import { InputError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { wasmSchnorr } from '../crypto/fast-schnorr.ts';
import { oralMessageCount } from '../generals/params.ts';
import { runReplicas } from '../generals/replicas.ts';
import { runGenerals } from '../generals/run.ts';
import { searchViolation } from '../generals/search.ts';
import { signedMessageCount } from '../generals/signed.ts';
import { GeneralsKeyring } from '../generals/signing.ts';
import { honestStrategy } from '../miner/virtual-miners.ts';
import { ATTACKER } from '../network/lab.ts';
import { VirtualScheduler } from '../network/scheduler.ts';
import type { Engine } from './engine.ts';
import { apiError } from './jobs.ts';
import { toWire } from './wire.ts';

type Handlers = { [M in MethodName]: (engine: Engine, p: ParsedParams<M>) => Result<M> | Promise<Result<M>> };

let keyring: GeneralsKeyring | undefined;
const generalsKeyring = (): GeneralsKeyring => (keyring ??= new GeneralsKeyring(wasmSchnorr));

const SIM_CHUNK = 20_000;
const GENERATE_TURN_MS = 25;

const handlers: Handlers = {
  'app.status': (e) => e.status(),

  'explorer.views': (e) => e.queries.views(),
  'explorer.latestBlocks': (e, p) => e.queries.latestBlocks(e.node(p.node).id, { limit: p.limit, ...(p.before !== undefined ? { before: p.before } : {}) }),
  'explorer.block': (e, p) => e.queries.block(e.node(p.node).id, p.id, { txLimit: p.txLimit, ...(p.txAfter !== undefined ? { txAfter: p.txAfter } : {}) }),
  'explorer.tx': (e, p) => e.queries.tx(e.node(p.node).id, p.txid),
  'explorer.blockViews': (e, p) => e.queries.blockViews(p.hash),
  'explorer.txViews': (e, p) => e.queries.txViews(p.txid),
  'explorer.address': (e, p) => e.queries.address(e.node(p.node).id, p.address, { limit: p.limit, ...(p.before !== undefined ? { before: p.before } : {}) }),
  'explorer.search': (e, p) => e.queries.search(e.node(p.node).id, p.q),
  'explorer.mempool': (e, p) => e.queries.mempool(e.node(p.node).id, { limit: p.limit }),
  'explorer.chainTips': (e, p) => e.queries.chainTips(e.node(p.node).id),
  'explorer.blockTree': (e, p) => e.queries.blockTree(p.from, p.to),
  'explorer.reorgs': (e, p) => e.queries.reorgs(e.node(p.node).id, { limit: p.limit, ...(p.before !== undefined ? { before: p.before } : {}) }),

  'provenance.ancestry': (e, p) => e.provenanceIndex.ancestry(e.node(p.node).id, p.coin, { maxDepth: p.maxDepth, maxNodes: p.maxNodes }),
  'provenance.descendants': (e, p) => e.provenanceIndex.descendants(e.node(p.node).id, p.coin, { maxDepth: p.maxDepth, maxNodes: p.maxNodes }),
  'provenance.taint': (e, p) => e.provenanceIndex.taint(e.node(p.node).id, p.coin, p.source, p.policy),

  'network.topology': (e) => e.topology(),
  'network.setLink': (e, p) => {
    e.node(p.a);
    e.node(p.b);
    const net = e.workspace.lab.testnet.network;
    const link = net.link(p.a, p.b);
    if (!link) throw new InputError('unknown-link', `no link between ${p.a} and ${p.b}`);
    if (p.latencyMs !== undefined) link.latencyMs = p.latencyMs;
    net.setLinkUp(p.a, p.b, p.up);
    return e.topology();
  },
  'network.partition': (e, p) => {
    for (const g of p.groups) for (const id of g) e.node(id);
    e.workspace.lab.testnet.partition(p.groups);
    return e.topology();
  },
  'network.heal': (e) => {
    e.workspace.lab.testnet.heal();
    return e.topology();
  },
  'network.clearBans': (e) => {
    e.clearBans();
    return e.topology();
  },
  'node.stop': (e, p) => {
    const node = e.node(p.node);
    node.stop();
    return e.nodeStatus(node);
  },
  'node.start': (e, p) => {
    const node = e.node(p.node);
    node.start();
    return e.nodeStatus(node);
  },
  'node.add': (e, p) => e.nodeStatus(e.addNode(p.node, p.share)),

  'mining.setRunning': async (e, p) => {
    const miners = e.workspace.lab.miners;
    if (p.running) miners.start();
    else await miners.stop();
    return e.status();
  },
  'mining.setShares': (e, p) => {
    e.setShares(p.shares);
    return e.status();
  },
  'mining.mineNow': async (e, p) => {
    e.node(p.node);
    const lab = e.workspace.lab;
    const miner = lab.miners.get(`miner-${p.node}`);
    if (!miner) throw new InputError('no-miner', `node ${p.node} has no miner: give it a hash-power share first`);
    for (let i = 0; i < p.count; i++) await lab.miners.mineNow(miner);
    e.flush(); // the blocks are in the index (and their tip events out) when the call answers
    return e.status();
  },
  'traffic.set': (e, p) => {
    e.setTraffic(p.rate);
    return e.status();
  },
  'mining.setBlockInterval': (e, p) => {
    e.workspace.setBlockInterval(p.seconds);
    return e.status();
  },

  'wallet.list': (e) =>
    e.workspace.lab.testnet.allNodes().map((node) => {
      const wallet = e.workspace.lab.testnet.wallet(node.id);
      return { node: node.id, address: wallet.primary.address, ...wallet.balance(node.chain, node.mempool) };
    }),
  'wallet.send': (e, p) => {
    const node = e.node(p.node);
    const wallet = e.workspace.lab.testnet.wallet(node.id);
    const tx = wallet.createPayment({ chain: node.chain, mempool: node.mempool, to: [{ address: p.to, value: BigInt(p.amount) }], feeRate: p.feeRate });
    node.submitTx(tx);
    const entry = node.mempool.get(tx.id)!;
    return { txid: tx.id, fee: entry.fee, vsize: entry.vsize };
  },

  'attacks.list': () =>
    Object.values(ATTACKS).map((a) => ({ name: a.name, title: a.title, summary: a.summary, params: z.toJSONSchema(a.params, { io: 'input', unrepresentable: 'any' }) })),
  'attacks.start': (e, p) => startAttack(e, p.name, p.params, p.attackerShare),
  'attacks.reports': (e, p) => e.queries.attackReports({ limit: p.limit, ...(p.before !== undefined ? { before: p.before } : {}) }),
  'attacks.report': (e, p) => e.queries.attackReport(p.id),
  'theory.doubleSpend': (_e, p) =>
    Array.from({ length: p.maxZ + 1 }, (_, zz) => ({ z: zz, nakamoto: p.q === 0 ? 0 : nakamotoProbability(p.q, zz), exact: p.q === 0 ? 0 : exactDoubleSpendProbability(p.q, zz) })),
  'theory.selfish': (_e, p) => ({
    threshold: selfishThreshold(p.gamma),
    curve: Array.from({ length: 49 }, (_, i) => {
      const alpha = (i + 1) / 100;
      return { alpha, revenue: selfishRevenueShare(alpha, p.gamma) };
    }),
  }),
  'sim.doubleSpend': (e, p) =>
    e.jobs.start('sim', `double-spend race q=${p.q} z=${p.z}, ${p.trials} trials`, async (ctx) => {
      const rng = new Rng(p.seed);
      let successes = 0;
      for (let done = 0; done < p.trials; ) {
        const n = Math.min(SIM_CHUNK, p.trials - done);
        successes += simulateDoubleSpend({ q: p.q, z: p.z, trials: n, rng }).successes;
        done += n;
        ctx.progress({ phase: 'running', message: `${done} of ${p.trials} trials`, fraction: done / p.trials, data: { successes, trials: done } });
        await new Promise((resolve) => setImmediate(resolve));
      }
      return {
        result: { q: p.q, z: p.z, trials: p.trials, successes, successRate: successes / p.trials, ci95: wilsonInterval(successes, p.trials, Z_95), analytic: nakamotoProbability(p.q, p.z), exact: exactDoubleSpendProbability(p.q, p.z) },
      };
    }),

  'jobs.cancel': (e, p) => e.jobs.cancel(p.id),

  'workspace.current': (e) => e.info(),
  'workspace.recent': (e) => e.recent(),
  'workspace.create': (e, p) => e.create(p.dir, p.name, p.params, p.blockInterval),
  'workspace.open': (e, p) => e.open(p.dir),
  'workspace.export': (e, p) => {
    e.workspace.exportTo(p.path);
    return { path: p.path };
  },
  'workspace.import': (e, p) => e.importFrom(p.path, p.dir),
  'workspace.verify': (e) =>
    e.jobs.start(
      'verify',
      'index verify: compare the index with a reindex of the stored blocks',
      async (ctx) => {
        ctx.progress({ phase: 'reindexing', message: 'replaying every stored block into a fresh index (worker thread)', fraction: null });
        return { result: await e.workspace.verifyInWorker() };
      },
      { cancellable: false },
    ),

  'workspace.generate': (e, p) => generateJob(e, p.blocks, p.txRate),

  'generals.run': (_e, p) => {
    const run = runGenerals({ ...p, trace: true, ...(p.algo === 'sm' ? { keyring: generalsKeyring() } : {}) });
    const trace = (run.trace ?? []).map((m) => ('path' in m ? { round: m.round, from: m.from, to: m.to, order: m.order, path: [...m.path] } : { round: m.round, from: m.from, to: m.to, order: m.order, signers: [...m.signers], rejected: m.rejected }));
    return {
      algo: run.algo,
      n: run.n,
      m: run.m,
      traitors: run.traitors,
      order: run.order,
      decisions: run.decisions,
      ic1: run.ic1,
      ic2: run.ic2,
      messages: run.messages,
      rejected: run.algo === 'sm' ? run.rejected : 0,
      rounds: run.rounds,
      trace,
    };
  },
  'generals.search': (_e, p) => {
    const r = searchViolation({ algo: p.algo, n: p.n, m: p.m, ...(p.algo === 'sm' ? { keyring: generalsKeyring() } : {}) });
    return { cases: r.cases, violation: r.violation ? { traitors: r.violation.traitors, strategy: r.violation.strategy, order: r.violation.order, decisions: r.violation.decisions } : null };
  },
  'generals.counts': (_e, p) => {
    const rows: { n: number; m: number; om: number; sm: number }[] = [];
    for (let m = 0; m <= p.maxM; m++) for (let n = Math.max(2, m + 2); n <= p.maxN; n++) rows.push({ n, m, om: oralMessageCount(n, m), sm: signedMessageCount(n, m) });
    return rows;
  },
  'replicas.run': (_e, p) => runReplicas({ strawman: p.strawman, f: p.f, behaviour: p.behaviour }),
};

/**
 * Fast-forwards virtual time until the first node is `blocks` higher: slices of simulated time, each followed by
 * an index flush, a progress event and a turn of the event loop, so the app stays live and Cancel works.
 */
function generateJob(e: Engine, blocks: number, txRate: number) {
  const ws = e.workspace;
  const lab = ws.lab;
  const scheduler = lab.scheduler;
  if (!(scheduler instanceof VirtualScheduler)) throw new InputError('needs-virtual-time', `${ws.spec.name} mines in real time; generate fast-forwards virtual-time (forklab-sim) workspaces only`);
  if (lab.miners.all().length === 0) throw new InputError('no-hash-power', 'no node has a mining share; nothing can mine');
  const ref = lab.testnet.allNodes()[0]!;
  const start = ref.chain.height;
  const target = start + blocks;
  return e.jobs.start('generate', `generate ${blocks} blocks`, async (ctx) => {
    const wasMining = lab.miners.running;
    const trafficBefore = lab.traffic;
    if (txRate > 0 && !trafficBefore) lab.startTraffic({ rate: txRate });
    lab.miners.start();
    const spacingMs = ws.params.targetSpacing * 1000;
    const reached = (): boolean => ref.chain.height >= target;
    try {
      while (!reached()) {
        // About 25 ms of simulation per turn of the event loop.
        const turn = performance.now();
        do scheduler.runUntilCondition(reached, spacingMs);
        while (!reached() && performance.now() - turn < GENERATE_TURN_MS);
        e.flush();
        const done = ref.chain.height - start;
        ctx.progress({ phase: 'mining', message: `${done} of ${blocks} blocks (height ${ref.chain.height})`, fraction: Math.min(1, done / blocks) });
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      if (!wasMining) await lab.miners.stop();
      if (!trafficBefore) {
        lab.traffic?.stop();
        lab.traffic = null;
      }
      e.flush();
    }
    return { result: { startHeight: start, height: ref.chain.height, tip: ref.chain.tip.id } };
  });
}

/**
 * Runs an attack as a job. With `attackerShare`, the attacker's miner gets that share and the other miners share
 * the rest in their current proportions, until the attack ends. Progress carries the race: blocks found by the
 * attacker's miner against the others' since the attack started.
 */
function startAttack(e: Engine, name: string, raw: Record<string, unknown>, attackerShare: number | undefined) {
  if (!(name in ATTACKS)) throw new InputError('unknown-attack', `unknown attack ${JSON.stringify(name)}: expected one of ${Object.keys(ATTACKS).join(', ')}`);
  const def = ATTACKS[name as AttackName] as unknown as AttackDefinition<z.ZodType, unknown>;
  const params = parseParams(def, raw);
  const ws = e.workspace;
  const lab = ws.lab;
  e.node(ATTACKER);
  const banning = lab.testnet.allNodes().filter((n) => n.banned.has(ATTACKER));
  if (banning.length > 0 && name !== 'partition') {
    const who = banning.map((n) => `${n.id} (${n.banned.get(ATTACKER)!})`).join(', ');
    throw new InputError('attacker-banned', `${who} banned the attacker and ignore it, so no attack of its can succeed: clear the bans first (Network view)`);
  }
  const before = Object.fromEntries(lab.miners.all().map((m) => [m.node.id, m.share]));
  if (attackerShare !== undefined) {
    const others = Object.entries(before).filter(([id]) => id !== ATTACKER);
    const rest = others.reduce((s, [, x]) => s + x, 0);
    const shares: Record<string, number> = { [ATTACKER]: attackerShare };
    for (const [id, x] of others) shares[id] = rest > 0 ? (x / rest) * (1 - attackerShare) : 0;
    e.setShares(shares);
  } else if (!lab.miners.get(`miner-${ATTACKER}`) && name !== 'partition') {
    throw new InputError('no-attacker', 'the attacker node has no hash power: give it a share (attackerShare) to attack with');
  }
  return e.jobs.start('attack', def.title, async (ctx) => {
    const started = lab.now();
    const race = { attacker: 0, honest: 0 };
    const offFound = lab.miners.events.on('blockFound', (b) => {
      if (b.node === ATTACKER) race.attacker++;
      else race.honest++;
      ctx.progress({ phase: 'race', message: `attacker ${race.attacker} blocks, honest ${race.honest}`, data: { t: lab.now() - started, ...race } });
    });
    if (!lab.miners.running) lab.miners.start();
    try {
      const report = await def.run(lab, params, (x) => ctx.progress({ phase: x.phase, message: x.message, ...(x.data ? { data: x.data } : {}) }));
      const finished = lab.now();
      e.flush();
      const view = typeof (params as { merchant?: unknown }).merchant === 'string' ? (params as { merchant: string }).merchant : null;
      const reportId = ws.index.recordAttackReport(def.name, params, report, { started, finished }, view);
      return { result: report, reportId };
    } finally {
      offFound();
      const attackerMiner = lab.miners.get(`miner-${ATTACKER}`);
      if (attackerMiner) attackerMiner.strategy = honestStrategy;
      if (attackerShare !== undefined && e.workspace === ws) {
        const restore: Record<string, number> = Object.fromEntries(lab.testnet.ids().map((id) => [id, before[id] ?? 0]));
        e.setShares(restore);
      }
    }
  });
}

/**
 * Validates and runs one call. Refusals (bad arguments, unknown items, broken rules) come back as typed errors;
 * a bug comes back as code 'internal' and is logged, so no caller can crash the engine.
 */
export async function dispatch(engine: Engine, method: unknown, params: unknown): Promise<Outcome<unknown>> {
  if (typeof method !== 'string' || !Object.hasOwn(methods, method)) return { ok: false, error: { code: 'unknown-method', message: `unknown method ${JSON.stringify(method)?.slice(0, 80)}` } };
  const name = method as MethodName;
  const parsed = methods[name].params.safeParse(params ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, error: { code: 'bad-params', message: `${name}: ${issue.path.join('.') || 'params'}: ${issue.message}` } };
  }
  try {
    const handler = handlers[name] as (e: Engine, p: unknown) => unknown;
    const value = await handler(engine, parsed.data);
    return { ok: true, value: toWire(value) };
  } catch (e) {
    const error = apiError(e);
    if (error.code === 'internal') console.error(`${name} failed:`, e);
    return { ok: false, error };
  }
}

// Scenario files: a network (nodes, shares, links) and a timeline of actions, run headless or in the app.

import { z } from 'zod';
import { InputError } from '../core/errors.ts';
import { COIN } from '../core/params.ts';
import { parseParams, type AttackDefinition, type ProgressListener } from '../attacks/attack.ts';
import { ATTACKS } from '../attacks/index.ts';
import { Lab, type LabMode } from './lab.ts';
import type { MinerSet } from '../miner/virtual-miners.ts';
import type { Testnet } from './testnet.ts';

const nodeId = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'expected 1-32 letters, digits, - or _');
const linkOptions = z.object({
  latencyMs: z.number().min(0).max(60_000).optional(),
  jitterMs: z.number().min(0).max(60_000).optional(),
  bandwidth: z.number().positive().optional(),
  loss: z.number().min(0).max(0.99).optional(),
});

const action = z.discriminatedUnion('action', [
  z.object({ action: z.literal('mine'), node: nodeId, blocks: z.number().int().min(1).max(10_000).default(1) }).describe('mine blocks now on a node (as generatetoaddress)'),
  z.object({ action: z.literal('start-mining') }),
  z.object({ action: z.literal('stop-mining') }),
  z.object({ action: z.literal('pay'), from: nodeId, to: nodeId, amount: z.number().int().positive(), feeRate: z.number().min(1).default(2) }),
  z.object({ action: z.literal('traffic'), rate: z.number().min(0).max(1000) }),
  z.object({ action: z.literal('partition'), groups: z.array(z.array(nodeId).min(1)).min(2) }),
  z.object({ action: z.literal('heal') }),
  z.object({ action: z.literal('stop'), node: nodeId }),
  z.object({ action: z.literal('start'), node: nodeId }),
  z.object({ action: z.literal('add-node'), id: nodeId, share: z.number().min(0).max(1).default(0), connect: z.array(nodeId).min(1), link: linkOptions.optional() }),
  z.object({ action: z.literal('remove-node'), node: nodeId }),
  z.object({ action: z.literal('attack'), attack: z.enum(['double-spend', 'rewrite', 'selfish', 'byzantine', 'partition']), params: z.record(z.string(), z.unknown()).default({}) }),
  z.object({ action: z.literal('wait'), ms: z.number().min(0).max(7 * 24 * 3_600_000) }),
  z.object({
    action: z.literal('wait-for'),
    condition: z.union([z.literal('converged'), z.object({ height: z.number().int().min(0), node: nodeId.optional() })]),
    timeoutMs: z.number().min(0).max(7 * 24 * 3_600_000).default(600_000),
  }),
]);

export const scenarioSchema = z.object({
  $schema: z.string().optional(),
  name: z.string().min(1),
  description: z.string().default(''),
  mode: z.enum(['virtual', 'real']).default('virtual'),
  network: z.object({
    nodes: z.array(z.object({ id: nodeId, share: z.number().min(0).max(1).default(0) })).min(1).max(64),
    topology: z.union([z.enum(['full-mesh', 'ring', 'none']), z.object({ random: z.number().int().min(1) })]).default('full-mesh'),
    link: linkOptions.default({}),
    links: z.array(linkOptions.extend({ a: nodeId, b: nodeId })).default([]),
    banThreshold: z.number().int().positive().optional(),
  }),
  timeline: z.array(action).default([]),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioAction = z.infer<typeof action>;

/** The JSON Schema of scenario files (for editors and the app). */
export function scenarioJsonSchema(): unknown {
  return z.toJSONSchema(scenarioSchema, { io: 'input' });
}

/** Validates a parsed scenario file; the error names the first problem's path. */
export function parseScenario(raw: unknown): Scenario {
  const r = scenarioSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new InputError('bad-scenario', `scenario: ${issue.path.join('.') || 'file'}: ${issue.message}`);
  }
  const s = r.data;
  const ids = new Set<string>();
  for (const n of s.network.nodes) {
    if (ids.has(n.id)) throw new InputError('bad-scenario', `scenario: network.nodes: duplicate node ${n.id}`);
    ids.add(n.id);
  }
  const total = s.network.nodes.reduce((sum, n) => sum + n.share, 0);
  if (total > 1 + 1e-9) throw new InputError('bad-scenario', `scenario: network.nodes: shares add up to ${total}, expected at most 1`);
  for (const l of s.network.links) for (const id of [l.a, l.b]) if (!ids.has(id)) throw new InputError('bad-scenario', `scenario: network.links: unknown node ${id}`);
  // Every node an action names must exist at that point of the timeline: refuse the file before anything runs.
  const live = new Set(ids);
  s.timeline.forEach((a, step) => {
    const named: string[] = [];
    if ('node' in a && a.node !== undefined) named.push(a.node);
    if (a.action === 'pay') named.push(a.from, a.to);
    if (a.action === 'partition') named.push(...a.groups.flat());
    if (a.action === 'add-node') named.push(...a.connect);
    if (a.action === 'wait-for' && typeof a.condition === 'object' && a.condition.node !== undefined) named.push(a.condition.node);
    for (const id of named) if (!live.has(id)) throw new InputError('bad-scenario', `scenario: timeline.${step} (${a.action}): unknown node ${JSON.stringify(id)}`);
    if (a.action === 'add-node') {
      if (live.has(a.id)) throw new InputError('bad-scenario', `scenario: timeline.${step} (add-node): node ${a.id} already exists`);
      live.add(a.id);
    }
    if (a.action === 'remove-node') live.delete(a.node);
  });
  return s;
}

export interface ScenarioEvent {
  t: number;
  step: number;
  action: string;
  detail?: string;
}

export interface ScenarioResult {
  name: string;
  seed: string;
  mode: LabMode;
  events: ScenarioEvent[];
  reports: unknown[];
  tips: ReturnType<Testnet['tips']>;
  converged: boolean;
}

export interface RunScenarioOptions {
  seed: string;
  realMiners?: (testnet: Testnet, threads: number) => MinerSet;
  onProgress?: ProgressListener;
  onEvent?: (e: ScenarioEvent) => void;
}

/** Builds the scenario's lab network. */
export function buildLab(s: Scenario, o: RunScenarioOptions): Lab {
  const lab = Lab.custom({
    mode: s.mode,
    seed: o.seed,
    nodes: s.network.nodes,
    ...(s.network.banThreshold !== undefined ? { banThreshold: s.network.banThreshold } : {}),
    ...(o.realMiners ? { realMiners: o.realMiners } : {}),
  });
  const ids = s.network.nodes.map((n) => n.id);
  const net = lab.testnet.network;
  const link = s.network.link;
  if (s.network.topology === 'full-mesh') net.fullMesh(ids, link);
  else if (s.network.topology === 'ring') net.ring(ids, link);
  else if (typeof s.network.topology === 'object') net.randomRegular(ids, s.network.topology.random, link);
  for (const { a, b, ...opts } of s.network.links) {
    const existing = net.link(a, b);
    if (existing) Object.assign(existing, opts);
    else net.connect(a, b, { ...link, ...opts });
  }
  return lab;
}

/** Runs a scenario to its end; attack reports are collected in order. */
export async function runScenario(s: Scenario, o: RunScenarioOptions): Promise<ScenarioResult> {
  const lab = buildLab(s, o);
  const start = lab.now();
  const events: ScenarioEvent[] = [];
  const reports: unknown[] = [];
  const log = (step: number, a: ScenarioAction, detail?: string) => {
    const e: ScenarioEvent = { t: lab.now() - start, step, action: a.action, ...(detail ? { detail } : {}) };
    events.push(e);
    o.onEvent?.(e);
  };
  try {
    for (const [step, a] of s.timeline.entries()) {
      log(step, a);
      await perform(lab, a, reports, o.onProgress);
    }
    const converged = lab.testnet.converged();
    return { name: s.name, seed: o.seed, mode: s.mode, events, reports, tips: lab.testnet.tips(), converged };
  } finally {
    await lab.close();
  }
}

async function perform(lab: Lab, a: ScenarioAction, reports: unknown[], onProgress?: ProgressListener): Promise<void> {
  const t = lab.testnet;
  switch (a.action) {
    case 'mine':
      t.node(a.node);
      return lab.mineNow(`miner-${a.node}`, a.blocks);
    case 'start-mining':
      return lab.miners.start();
    case 'stop-mining':
      return lab.miners.stop();
    case 'pay': {
      const from = t.node(a.from);
      const tx = t.wallet(a.from).createPayment({ chain: from.chain, mempool: from.mempool, to: [{ scriptPubKey: t.wallet(a.to).newAddress().scriptPubKey, value: BigInt(a.amount) }], feeRate: a.feeRate });
      from.submitTx(tx);
      return;
    }
    case 'traffic':
      if (a.rate === 0) lab.traffic?.stop();
      else lab.startTraffic({ rate: a.rate, maxAmount: COIN / 10n });
      return;
    case 'partition':
      return t.partition(a.groups);
    case 'heal':
      return t.heal();
    case 'stop':
      return t.node(a.node).stop();
    case 'start':
      return t.node(a.node).start();
    case 'add-node': {
      for (const peer of a.connect) t.node(peer);
      t.addNode(a.id);
      for (const peer of a.connect) t.connect(a.id, peer, a.link);
      if (a.share > 0) lab.miners.add({ id: `miner-${a.id}`, node: a.id, share: a.share });
      return;
    }
    case 'remove-node':
      lab.miners.remove(`miner-${a.node}`);
      return t.removeNode(a.node);
    case 'attack': {
      const def = ATTACKS[a.attack] as AttackDefinition<z.ZodType, unknown>;
      reports.push(await def.run(lab, parseParams(def, a.params), onProgress));
      return;
    }
    case 'wait':
      return lab.sleep(a.ms);
    case 'wait-for': {
      const c = a.condition;
      const ok = await lab.waitFor(() => (c === 'converged' ? t.converged() : t.node(c.node ?? t.ids()[0]!).chain.height >= c.height), a.timeoutMs);
      if (!ok) throw new InputError('condition-timeout', `wait-for ${JSON.stringify(c)}: not met within ${a.timeoutMs} ms`);
      return;
    }
  }
}

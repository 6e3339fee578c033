// Fuzzes every method of the contract through `dispatch` on a real engine (forklab-sim): whatever the arguments,
// the outcome is a typed result (never 'internal', never a throw), and a refused call changes nothing.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHOD_NAMES, methods, type MethodName, type Outcome } from '../../shared/api.ts';
import { Engine } from './engine.ts';
import { dispatch } from './handlers.ts';

/** Fixed so a failure replays; fast-check prints the seed and the shrunk counterexample when a property fails. */
const SEED = 0x5eed_f022;
const RUNS = 30;

/**
 * Methods that change state when their arguments are valid (or start jobs that do): the fuzz sends them only
 * arguments their schema rejects, and the table below sends them valid arguments the engine must refuse.
 */
const CHANGES_STATE = (m: MethodName): boolean =>
  m.startsWith('workspace.') || m.startsWith('mining.') || m.startsWith('node.') || (m.startsWith('network.') && m !== 'network.topology') || ['traffic.set', 'wallet.send', 'attacks.start', 'sim.doubleSpend'].includes(m);
const READ_ONLY_WORKSPACE = new Set<MethodName>(['workspace.current', 'workspace.recent']);

const home = mkdtempSync(join(tmpdir(), 'forklab-api-fuzz-'));
let engine: Engine;

/** Values the generators mix in so that schema-valid arguments also name things that exist. */
const known = { hashes: [] as string[], txids: [] as string[], coins: [] as string[], addresses: [] as string[], nodes: ['h0', 'h1', 'h2', 'h3', 'attacker', 'nobody'] };

async function call(method: MethodName, params: unknown): Promise<unknown> {
  const out = await dispatch(engine, method, params);
  if (!out.ok) throw new Error(`${method}: ${out.error.code}: ${out.error.message}`);
  return out.value;
}

/** Everything a refused call must leave as it was. */
async function snapshot(): Promise<unknown> {
  const s = engine.status();
  return {
    workspace: s.workspace,
    mining: s.mining,
    traffic: s.traffic,
    jobs: s.jobs.length,
    nodes: s.nodes.map((n) => ({ id: n.id, running: n.running, height: n.height, tip: n.tip, mempool: n.mempool, peers: n.peers, banned: n.banned, share: n.share })),
    topology: await call('network.topology', {}),
    wallets: await call('wallet.list', {}),
    recent: engine.recent().map((w) => w.dir),
    reports: ((await call('attacks.reports', { limit: 200 })) as unknown[]).length,
  };
}

/** The outcome is exactly one of the two shapes of the contract, its error typed, and it survives JSON. */
function expectTyped(method: unknown, params: unknown, out: Outcome<unknown>): void {
  const where = `${JSON.stringify(method)?.slice(0, 60)}(${safeJson(params).slice(0, 300)})`;
  expect(typeof out, where).toBe('object');
  if (out.ok) {
    expect(Object.keys(out).sort(), where).toEqual(['ok', 'value']);
    expect(() => JSON.stringify(out.value), where).not.toThrow();
  } else {
    expect(out.ok, where).toBe(false);
    expect(Object.keys(out).sort(), where).toEqual(['error', 'ok']);
    expect(typeof out.error.code, where).toBe('string');
    expect(out.error.code.length, where).toBeGreaterThan(0);
    expect(typeof out.error.message, where).toBe('string');
    expect(out.error.code, `${where}: ${out.error.message}`).not.toBe('internal');
  }
}

function safeJson(x: unknown): string {
  try {
    return JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(x);
  } catch {
    return String(x);
  }
}

// Arbitraries built from each method's JSON Schema (derived from its zod schema), mixing in known names.

type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
};

function fromSchema(s: JsonSchema): fc.Arbitrary<unknown> {
  if (s.anyOf) return fc.oneof(...s.anyOf.map(fromSchema));
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  switch (s.type) {
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({ min: Math.max(s.minimum ?? -1e6, Number.MIN_SAFE_INTEGER), max: Math.min(s.maximum ?? 1e6, Number.MAX_SAFE_INTEGER) });
    case 'number':
      return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true });
    case 'string': {
      const pool = [...known.nodes, ...known.hashes, ...known.txids, ...known.coins, ...known.addresses, '1000', '100000000'];
      if (s.pattern) {
        const re = new RegExp(s.pattern);
        const matching = pool.filter((x) => re.test(x));
        const generated = fc.stringMatching(re);
        return matching.length > 0 ? fc.oneof(fc.constantFrom(...matching), generated) : generated;
      }
      const length = { minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 40) };
      const fitting = pool.filter((x) => x.length >= length.minLength && x.length <= (s.maxLength ?? Infinity));
      return fitting.length > 0 ? fc.oneof(fc.constantFrom(...fitting), fc.string(length)) : fc.string(length);
    }
    case 'array':
      return fc.array(s.items ? fromSchema(s.items) : fc.anything(), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 4, 4) });
    case 'object': {
      if (s.properties) {
        const record: Record<string, fc.Arbitrary<unknown>> = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, fromSchema(v)]));
        return fc.record(record, { requiredKeys: s.required ?? [] });
      }
      if (typeof s.additionalProperties === 'object') {
        const key = s.propertyNames ? (fromSchema(s.propertyNames) as fc.Arbitrary<string>) : fc.string();
        return fc.dictionary(key, fromSchema(s.additionalProperties), { maxKeys: 4 });
      }
      return fc.anything();
    }
    default:
      return fc.anything();
  }
}

/** Whether `dispatch` lets these arguments through to the handler (it reads missing arguments as `{}`). */
const accepts = (method: MethodName, params: unknown): boolean => methods[method].params.safeParse(params ?? {}).success;

/** Arguments for `method`: anything at all, the right keys with values of any type, and schema-shaped values. */
function argumentsFor(method: MethodName): fc.Arbitrary<unknown> {
  const schema = z.toJSONSchema(methods[method].params, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const keys = Object.keys(schema.properties ?? {});
  const shaped = fromSchema(schema);
  const wrongTypes = fc.record(Object.fromEntries(keys.map((k) => [k, fc.anything()])), { requiredKeys: [] });
  const corrupted = fc.tuple(shaped, fc.constantFrom(...keys, 'extra'), fc.anything()).map(([base, key, value]) => ({ ...(base as object), [key]: value }));
  const invalidOnly = fc.oneof(fc.anything(), wrongTypes, corrupted).filter((x) => !accepts(method, x));
  if (CHANGES_STATE(method) && !READ_ONLY_WORKSPACE.has(method)) return invalidOnly;
  return fc.oneof({ arbitrary: shaped, weight: 3 }, { arbitrary: fc.anything(), weight: 1 }, { arbitrary: wrongTypes, weight: 1 }, { arbitrary: corrupted, weight: 1 });
}

/** Blocks reach the other nodes after the (virtual, wall-paced) link latency: waits until every node has one tip. */
async function converge(): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (new Set(engine.status().nodes.map((n) => n.tip)).size > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(new Set(engine.status().nodes.map((n) => n.tip)).size).toBe(1);
}

beforeAll(async () => {
  engine = new Engine({ home, autoMine: false, traffic: 0, defaultParams: 'forklab-sim' });
  await engine.openDefault();
  await call('mining.mineNow', { node: 'h0', count: 12 });
  await converge();
  await call('mining.mineNow', { node: 'h1', count: 1 });
  await converge();
  engine.flush();
  for (let h = 1; h <= engine.status().nodes[0]!.height; h++) {
    const block = (await call('explorer.block', { node: 'h0', id: h })) as { hash: string; txids: string[] };
    known.hashes.push(block.hash);
    known.txids.push(...block.txids);
    known.coins.push(...block.txids.map((t) => `${t}:0`));
  }
  known.addresses.push(...((await call('wallet.list', {})) as { address: string }[]).map((w) => w.address));
}, 60_000);

afterAll(async () => {
  await engine?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('dispatch under fuzzing', () => {
  it('covers every method of the contract', () => {
    expect(METHOD_NAMES.length).toBeGreaterThan(40);
    for (const m of METHOD_NAMES) expect(methods[m].params).toBeDefined();
  });

  for (const method of METHOD_NAMES) {
    it(`${method}: typed outcome, nothing thrown${CHANGES_STATE(method) && !READ_ONLY_WORKSPACE.has(method) ? ', invalid arguments change nothing' : ', no state change'}`, async () => {
      const before = await snapshot();
      await fc.assert(
        fc.asyncProperty(argumentsFor(method), async (params) => {
          const out = await dispatch(engine, method, params);
          expectTyped(method, params, out);
          if (!accepts(method, params)) expect(out).toMatchObject({ ok: false, error: { code: 'bad-params' } });
          expect(await snapshot(), `${method}(${safeJson(params).slice(0, 300)}) changed the state`).toEqual(before);
        }),
        { seed: SEED, numRuns: RUNS },
      );
    });
  }

  it('explorer.blockViews and explorer.txViews answer for every node what explorer.block and explorer.tx answer node by node', async () => {
    const nodes = (await call('explorer.views', {})) as string[];
    for (const hash of known.hashes.slice(-3)) {
      const perNode = await Promise.all(nodes.map(async (node) => {
        const b = (await call('explorer.block', { node, id: hash })) as { status: string; code: string | null; confirmations: number } | null;
        return { node, status: b?.status ?? 'unseen', code: b?.code ?? null, confirmations: b?.confirmations ?? -1 };
      }));
      expect(await call('explorer.blockViews', { hash })).toEqual(perNode);
    }
    for (const txid of known.txids.slice(-3)) {
      const perNode = await Promise.all(nodes.map(async (node) => {
        const t = (await call('explorer.tx', { node, txid })) as { confirmed: boolean; confirmations: number; block: { hash: string } | null } | null;
        return t?.confirmed ? { node, state: 'confirmed', confirmations: t.confirmations, blockHash: t.block!.hash } : { node, state: 'unknown', confirmations: 0, blockHash: null };
      }));
      expect(await call('explorer.txViews', { txid })).toEqual(perNode);
    }
  });

  it('missing params count as {}: methods without arguments answer, others refuse with bad-params', async () => {
    for (const method of METHOD_NAMES) {
      if (CHANGES_STATE(method) && !READ_ONLY_WORKSPACE.has(method) && methods[method].params.safeParse({}).success) continue;
      for (const params of [undefined, null]) {
        const out = await dispatch(engine, method, params);
        expectTyped(method, params, out);
        if (!methods[method].params.safeParse({}).success) expect(out).toMatchObject({ ok: false, error: { code: 'bad-params' } });
      }
    }
  });

  it('unknown method names and non-string names: unknown-method', async () => {
    const before = await snapshot();
    for (const name of ['', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'app', 'app.status ', 'APP.STATUS', 'explorer.block.x']) {
      expect(await dispatch(engine, name, {}), name).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
    }
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string().filter((s) => !Object.hasOwn(methods, s)),
          fc.anything().filter((x) => typeof x !== 'string'),
        ),
        fc.anything(),
        async (name, params) => {
          const out = await dispatch(engine, name, params);
          expectTyped(name, params, out);
          expect(out).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
        },
      ),
      { seed: SEED, numRuns: 100 },
    );
    expect(await snapshot()).toEqual(before);
  });

  /**
   * Arguments the schema accepts that the engine must refuse: each refusal is typed and leaves the state as it was.
   * `{}` codes are not pinned where the engine's wording is its own business; `internal` is never acceptable.
   */
  const refused: [MethodName, string, () => unknown, string?][] = [
    ['node.stop', '{ node: nobody }', () => ({ node: 'nobody' }), 'unknown-node'],
    ['node.start', '{ node: nobody }', () => ({ node: 'nobody' }), 'unknown-node'],
    ['node.add', '{ node: h0 }', () => ({ node: 'h0' }), 'duplicate-node'],
    ['node.add', '{ node: greedy, share: 0.9 }', () => ({ node: 'greedy', share: 0.9 })],
    ['network.setLink', '{ a: h0, b: nobody, up: false }', () => ({ a: 'h0', b: 'nobody', up: false }), 'unknown-node'],
    ['network.setLink', '{ a: h0, b: h0, up: false }', () => ({ a: 'h0', b: 'h0', up: false })],
    ['network.partition', '{ groups: [[h0, h1], [nobody]] }', () => ({ groups: [['h0', 'h1'], ['nobody']] }), 'unknown-node'],
    ['mining.setShares', '{ shares: { nobody: 0.1 } }', () => ({ shares: { nobody: 0.1 } }), 'unknown-node'],
    ['mining.setShares', '{ shares: { h0: 1 } }', () => ({ shares: { h0: 1 } }), 'bad-shares'],
    ['mining.mineNow', '{ node: nobody, count: 1 }', () => ({ node: 'nobody', count: 1 }), 'unknown-node'],
    ['mining.mineNow', '{ node: attacker, count: 1 }', () => ({ node: 'attacker', count: 1 }), 'no-miner'],
    ['wallet.send', '{ node: nobody, to: h0 address, amount: 1000, feeRate: 1 }', () => ({ node: 'nobody', to: known.addresses[0], amount: '1000', feeRate: 1 }), 'unknown-node'],
    ['wallet.send', '{ node: h2, to: h0 address, amount: 1000, feeRate: 1 }', () => ({ node: 'h2', to: known.addresses[0], amount: '1000', feeRate: 1 })],
    ['wallet.send', '{ node: h0, to: not-an-address, amount: 1000, feeRate: 1 }', () => ({ node: 'h0', to: 'not-an-address', amount: '1000', feeRate: 1 })],
    ['wallet.send', '{ node: h0, to: h1 address, amount: 9999999999999999, feeRate: 1 }', () => ({ node: 'h0', to: known.addresses[1], amount: '9999999999999999', feeRate: 1 })],
    ['attacks.start', '{ name: nope }', () => ({ name: 'nope' }), 'unknown-attack'],
    ['attacks.start', '{ name: double-spend }', () => ({ name: 'double-spend' }), 'no-attacker'],
    ['attacks.start', '{ name: double-spend, params: { z: -1 } }', () => ({ name: 'double-spend', params: { z: -1 } })],
    ['attacks.start', '{ name: double-spend, params: { z: two }, attackerShare: 0.6 }', () => ({ name: 'double-spend', params: { z: 'two' }, attackerShare: 0.6 })],
    ['workspace.open', 'a directory that does not exist', () => ({ dir: join(home, 'does-not-exist') })],
    ['workspace.open', 'a directory that is not a workspace', () => ({ dir: home })],
    ['workspace.create', '{ dir: the open workspace, name: again, params: forklab-sim }', () => ({ dir: engine.defaultDir, name: 'again', params: 'forklab-sim' })],
    ['workspace.import', 'an export file that does not exist', () => ({ path: join(home, 'no-such-export.forklab'), dir: join(home, 'imported') })],
    ['workspace.export', 'a path in a missing directory', () => ({ path: join(home, 'no', 'such', 'dir', 'x.forklab') })],
  ];
  for (const [method, label, params, code] of refused) {
    it(`${method} refuses ${label} with a typed error and no state change`, async () => {
      try {
        const before = await snapshot();
        const p = params();
        const out = await dispatch(engine, method, p);
        expectTyped(method, p, out);
        expect(out.ok, `${method}(${safeJson(p)}) was accepted`).toBe(false);
        if (code !== undefined) expect(out).toMatchObject({ ok: false, error: { code } });
        expect(await snapshot(), `${method}(${safeJson(p)}) changed the state`).toEqual(before);
      } finally {
        // A refused open must not leave the lab closed; if it did (the failure above says so), reopen it so the next
        // case starts from the same state.
        if (engine.info() === null) await engine.openDefault();
      }
    });
  }
});

// Network properties in virtual time (fast-check, seed 42): convergence after any partition heals, no honest node accepts an invalid block, and every UTXO set equals a replay of its best chain after any attack.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Chainstate, type BlockEntry, type ProcessStatus } from '../core/chainstate.ts';
import { InputError } from '../core/errors.ts';
import { FORKLAB_SIM } from '../core/params.ts';
import { SignatureChecker } from '../core/signatures.ts';
import { wasmSchnorr } from '../crypto/fast-schnorr.ts';
import { parseParams } from '../attacks/attack.ts';
import { BYZANTINE_KINDS, byzantine, type ByzantineReport } from '../attacks/byzantine.ts';
import { doubleSpend } from '../attacks/double-spend.ts';
import { partition } from '../attacks/partition.ts';
import { rewrite } from '../attacks/rewrite.ts';
import { selfish } from '../attacks/selfish.ts';
import type { Node } from '../node/node.ts';
import { ATTACKER, Lab } from './lab.ts';

const SEED = 42;
const SPACING_MS = FORKLAB_SIM.targetSpacing * 1000;
const LINK = { latencyMs: 100, jitterMs: 50 };

interface Replay {
  /** Status of each block of the path, genesis excluded, in order. */
  statuses: ProcessStatus[];
  digest: string;
}

/**
 * Feeds the path from genesis to `entry` (all stored by `node`) to a fresh chainstate with a fresh signature
 * checker, whose clock is `node`'s: every block must connect again, each extending the fresh tip.
 */
function replayPath(node: Node, entry: BlockEntry): Replay {
  const path: BlockEntry[] = [];
  for (let e: BlockEntry | null = entry; e && e.height > 0; e = e.parent) path.push(e);
  path.reverse();
  const clock = node.network.scheduler;
  const fresh = new Chainstate(node.chain.params, { now: () => clock.now() / 1000, checker: new SignatureChecker(wasmSchnorr) });
  const statuses = path.map((e) => fresh.processBlock(node.chain.getBlock(e.id)!).status);
  return { statuses, digest: fresh.utxo.digest() };
}

const stored = (e: BlockEntry): boolean => e.hasData && e.invalid === null;

function storedPathToGenesis(e: BlockEntry): boolean {
  for (let x: BlockEntry | null = e; x; x = x.parent) if (!stored(x)) return false;
  return true;
}

/**
 * The ends of every branch of stored, not-invalid blocks whose whole path to genesis is stored: replaying the
 * path to each end re-validates every such block in the tree. (A block stored above a header whose data never
 * arrived cannot be replayed, and is not a candidate for the best chain either.)
 */
function storedLeaves(node: Node): BlockEntry[] {
  return [...node.chain.allEntries()].filter((e) => storedPathToGenesis(e) && !e.children.some(stored));
}

/** Every block `node` holds as valid re-validates from genesis, and its UTXO set equals a replay of its best chain. */
function expectRevalidates(node: Node): void {
  const best = replayPath(node, node.chain.tip);
  expect(best.statuses.every((s) => s === 'connected'), `${node.id} best chain: ${best.statuses.join(',')}`).toBe(true);
  expect(node.chain.utxo.digest(), `${node.id} UTXO set vs replay`).toBe(best.digest);
  for (const leaf of storedLeaves(node)) {
    if (leaf === node.chain.tip) continue;
    const r = replayPath(node, leaf);
    expect(r.statuses.every((s) => s === 'connected'), `${node.id} branch to ${leaf.id} (height ${leaf.height}): ${r.statuses.join(',')}`).toBe(true);
  }
}

function inActiveChain(node: Node, id: string): boolean {
  const e = node.chain.getEntry(id);
  return e !== undefined && node.chain.isInActiveChain(e);
}

/** `count` booleans with at least one of each: a split of `count` nodes into two non-empty sides. */
const split = (count: number) => fc.array(fc.boolean(), { minLength: count, maxLength: count }).filter((s) => s.includes(true) && s.includes(false));

function sides<T>(items: readonly T[], mask: readonly boolean[]): [T[], T[]] {
  return [items.filter((_, i) => mask[i]), items.filter((_, i) => !mask[i])];
}

describe('after any partition heals, honest nodes converge', () => {
  const TOPOLOGIES = ['full-mesh', 'ring', 'random-3-regular'] as const;
  const cases = fc.integer({ min: 4, max: 7 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      topology: fc.constantFrom(...TOPOLOGIES),
      mask: split(n),
      intervals: fc.integer({ min: 1, max: 10 }),
      seed: fc.integer({ min: 0, max: 1_000_000 }),
    }),
  );

  it('within 20 block intervals of virtual time, miners running throughout', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async ({ n, topology, mask, intervals, seed }) => {
        const ids = Array.from({ length: n }, (_, i) => `n${i}`);
        const lab = Lab.custom({ mode: 'virtual', seed: `heal-${seed}`, nodes: ids.map((id) => ({ id, share: 1 / n })) });
        try {
          const net = lab.testnet.network;
          if (topology === 'full-mesh') net.fullMesh(ids, LINK);
          else if (topology === 'ring') net.ring(ids, LINK);
          else net.randomRegular(ids, 3, LINK); // no 3-regular graph on an odd number of nodes: the network falls back to a ring
          lab.miners.start();
          await lab.sleep(12 * SPACING_MS); // a shared history before the split
          lab.testnet.partition(sides(ids, mask));
          await lab.sleep(intervals * SPACING_MS);
          const heaviestBeforeHeal = lab.honestNodes().reduce((w, node) => (node.chain.tip.chainWork > w ? node.chain.tip.chainWork : w), 0n);
          lab.testnet.heal();
          const converged = await lab.waitFor(() => lab.testnet.converged(lab.honestIds), 20 * SPACING_MS);
          expect(converged, `tips ${JSON.stringify(lab.testnet.tips())}`).toBe(true);
          // The common tip is no lighter than the heaviest side was: no side's work was thrown away for less.
          expect(lab.honestNodes()[0]!.chain.tip.chainWork).toBeGreaterThanOrEqual(heaviestBeforeHeal);
        } finally {
          await lab.close();
        }
      }),
      { seed: SEED, numRuns: 12 },
    );
  });
});

describe('no honest node ever accepts an invalid block', () => {
  const round = fc.record({
    /** Block intervals of honest mining (and traffic) before the round's attack blocks. */
    waitIntervals: fc.integer({ min: 0, max: 6 }),
    kinds: fc.shuffledSubarray([...BYZANTINE_KINDS], { minLength: 1, maxLength: 3 }),
  });
  const cases = fc.record({
    seed: fc.integer({ min: 0, max: 1_000_000 }),
    /** 100 bans the attacker at its first invalid block (later kinds come over fresh connections). */
    banThreshold: fc.constantFrom(100, 10_000),
    rounds: fc.array(round, { minLength: 1, maxLength: 3 }),
  });

  it('byzantine blocks at random moments amid honest mining and traffic', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async ({ seed, banThreshold, rounds }) => {
        const lab = Lab.create({ mode: 'virtual', seed: `byzantine-mix-${seed}`, attackerShare: 0.2, banThreshold });
        try {
          lab.miners.start();
          lab.startTraffic({ rate: 0.5 });
          await lab.sleep(15 * SPACING_MS); // past coinbase maturity, so the traffic has coins to spend
          const reports: ByzantineReport[] = [];
          for (const r of rounds) {
            await lab.sleep(r.waitIntervals * SPACING_MS);
            try {
              reports.push(await byzantine.run(lab, parseParams(byzantine, { kinds: r.kinds })));
            } catch (e) {
              // Once banned everywhere, an attacker without a mature coin cannot fund the kinds that spend one:
              // a clear refusal, not a broken node.
              if (!(e instanceof InputError && e.code === 'attacker-isolated')) throw e;
            }
          }
          lab.traffic!.stop();
          await lab.miners.stop();
          expect(await lab.waitFor(() => lab.testnet.converged(lab.honestIds), 60_000)).toBe(true);
          for (const report of reports) {
            expect(report.honestTipUnaffected).toBe(true);
            expect(report.honestChainValid).toBe(true);
          }
          for (const node of lab.honestNodes()) {
            expectRevalidates(node);
            for (const r of node.chain.rejections) expect(inActiveChain(node, r.id), `${node.id} rejected ${r.id} (${r.code}) yet has it in its chain`).toBe(false);
            for (const k of reports.flatMap((x) => x.kinds)) expect(inActiveChain(node, k.blockId), `${node.id} has the ${k.kind} block in its chain`).toBe(false);
          }
        } finally {
          await lab.close();
        }
      }),
      { seed: SEED, numRuns: 5 },
    );
  });
});

describe('after any attack, every UTXO set equals a replay of its best chain', () => {
  const percent = (min: number, max: number) => fc.integer({ min, max }).map((k) => k / 100);
  const attacks = fc.oneof(
    fc.record({ attack: fc.constant('double-spend' as const), q: percent(30, 80), z: fc.integer({ min: 0, max: 3 }), merchant: fc.constantFrom('h0', 'h1', 'h2', 'h3') }),
    fc.record({ attack: fc.constant('rewrite' as const), q: percent(55, 80), depth: fc.integer({ min: 1, max: 4 }), censor: fc.boolean(), replace: fc.boolean() }),
    fc.record({ attack: fc.constant('partition' as const), mask: split(5), intervals: fc.integer({ min: 2, max: 24 }) }),
    fc.record({ attack: fc.constant('selfish' as const), q: percent(10, 45), gamma: percent(0, 100), blocks: fc.integer({ min: 10, max: 20 }) }),
  );
  const cases = fc.record({ seed: fc.integer({ min: 0, max: 1_000_000 }), attack: attacks });

  it('double spend, rewrite, partition or selfish mining, with traffic running', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async ({ seed, attack: a }) => {
        const q = a.attack === 'partition' ? 0.2 : a.q;
        const lab = Lab.create({ mode: 'virtual', seed: `after-${a.attack}-${seed}`, attackerShare: q });
        try {
          // Some history with payments in it, then the attack with the payments still flowing.
          lab.miners.start();
          lab.startTraffic({ rate: 0.5 });
          await lab.sleep(24 * SPACING_MS);
          await lab.miners.stop();
          await lab.waitFor(() => lab.testnet.converged(), 60_000);
          switch (a.attack) {
            case 'double-spend':
              await doubleSpend.run(lab, parseParams(doubleSpend, { z: a.z, merchant: a.merchant, timeoutMs: 15 * 60_000 }));
              break;
            case 'rewrite': {
              const chain = lab.attacker.chain;
              const fromHeight = Math.max(1, chain.height - a.depth + 1);
              const txids: string[] = [];
              for (let h = fromHeight; h <= chain.height; h++) for (const tx of chain.getBlock(chain.entryAtHeight(h)!.id)!.txs.slice(1)) txids.push(tx.id);
              const censor = a.censor ? txids.slice(0, 1) : [];
              await rewrite.run(lab, parseParams(rewrite, { fromHeight, censor, replace: a.replace, timeoutMs: 15 * 60_000 }));
              break;
            }
            case 'partition':
              await partition.run(lab, parseParams(partition, { groups: sides([...lab.honestIds, ATTACKER], a.mask), durationMs: a.intervals * SPACING_MS, traffic: 0.5 }));
              break;
            case 'selfish':
              await selfish.run(lab, parseParams(selfish, { gamma: a.gamma, blocks: a.blocks }));
              break;
          }
          for (const node of lab.testnet.allNodes()) {
            const best = replayPath(node, node.chain.tip);
            expect(best.statuses.every((s) => s === 'connected'), `${node.id}: ${best.statuses.join(',')}`).toBe(true);
            expect(node.chain.utxo.digest(), `${node.id} UTXO set vs replay`).toBe(best.digest);
          }
        } finally {
          await lab.close();
        }
      }),
      { seed: SEED, numRuns: 12 },
    );
  });
});

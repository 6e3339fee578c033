// Property: after any random run of mining, traffic, partitions, stopped nodes and attacks, every explorer query
// equals the answer computed from each node's chainstate, and no stale transaction is ever shown as confirmed.

import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { byzantine } from '../attacks/byzantine.ts';
import { doubleSpend } from '../attacks/double-spend.ts';
import { parseParams } from '../attacks/attack.ts';
import { rewrite } from '../attacks/rewrite.ts';
import { Lab } from '../network/lab.ts';
import { ExplorerIndex } from './ingest.ts';
import { allBlocks, expectViewMatchesNode, expectViewsConsistent } from './model.test-support.ts';

type Step =
  | { kind: 'run'; minutes: number }
  | { kind: 'partition'; split: number }
  | { kind: 'heal' }
  | { kind: 'stop'; node: number }
  | { kind: 'start'; node: number }
  | { kind: 'mine'; node: number; count: number }
  | { kind: 'double-spend' }
  | { kind: 'rewrite' }
  | { kind: 'byzantine' };

const IDS = ['h0', 'h1', 'h2', 'h3', 'attacker'];

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('run' as const), minutes: fc.integer({ min: 1, max: 6 }) }) },
  fc.record({ kind: fc.constant('partition' as const), split: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('heal' as const) }),
  fc.record({ kind: fc.constant('stop' as const), node: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('start' as const), node: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('mine' as const), node: fc.integer({ min: 0, max: 4 }), count: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('double-spend' as const) }),
  fc.record({ kind: fc.constant('rewrite' as const) }),
  fc.record({ kind: fc.constant('byzantine' as const) }),
);

const HONEST = IDS.slice(0, 4);

/**
 * Heals every partition, starts every node and waits until the honest nodes agree on one tip. Returns false when
 * an honest node has banned the attacker (after a Byzantine run): it can no longer attack, so the step is skipped.
 */
async function reunite(lab: Lab): Promise<boolean> {
  lab.testnet.heal();
  for (const id of IDS) lab.testnet.node(id).start();
  if (!(await lab.waitFor(() => lab.testnet.converged(HONEST), 30 * 60_000))) throw new Error('the honest nodes did not converge after healing');
  if (HONEST.some((id) => lab.testnet.node(id).banned.has('attacker'))) return false;
  return lab.waitFor(() => lab.testnet.converged(), 30 * 60_000);
}

async function apply(lab: Lab, s: Step): Promise<void> {
  const testnet = lab.testnet;
  switch (s.kind) {
    case 'run':
      await lab.sleep(s.minutes * 60_000);
      return;
    case 'partition':
      testnet.partition([IDS.slice(0, s.split), IDS.slice(s.split)]);
      return;
    case 'heal':
      testnet.heal();
      return;
    case 'stop':
      testnet.node(IDS[s.node]!).stop();
      return;
    case 'start':
      testnet.node(IDS[s.node]!).start();
      return;
    case 'mine':
      if (testnet.node(IDS[s.node]!).running) await lab.miners.mineNow(lab.miners.get(`miner-${IDS[s.node]!}`)!);
      return;
    case 'double-spend':
      // Attacks start on a connected, converged network; their reports are not the point here, the chains they leave are.
      if (await reunite(lab)) await doubleSpend.run(lab, parseParams(doubleSpend, { z: 1, timeoutMs: 30 * 60_000 }));
      return;
    case 'rewrite':
      if (await reunite(lab)) await rewrite.run(lab, parseParams(rewrite, { fromHeight: Math.max(1, testnet.node('h0').chain.height - 2), timeoutMs: 30 * 60_000 }));
      return;
    case 'byzantine':
      if (await reunite(lab)) await byzantine.run(lab, parseParams(byzantine, {}));
      return;
  }
}

describe('explorer index equals the chainstate model (property)', () => {
  it('after random mining, partitions, stopped nodes and attacks, every view answers as its node sees it', { timeout: 240_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 2, maxLength: 7 }), fc.integer({ min: 1, max: 1_000_000 }), async (steps, seed) => {
        const lab = Lab.create({ mode: 'virtual', seed: `index-property-${seed}`, attackerShare: 0.6 });
        const db = new Database(':memory:');
        const queued: (() => void)[] = [];
        const index = new ExplorerIndex(db, { schedule: (run) => queued.push(run), now: () => lab.now(), maxTxsPerTransaction: 25 });
        try {
          for (const node of lab.testnet.allNodes()) index.attach(node.id, node.chain, node.mempool);
          lab.startTraffic({ rate: 0.3 });
          lab.miners.start();
          await lab.sleep(3 * 60_000);
          for (const s of steps) {
            await apply(lab, s);
            // Each committed chunk leaves every view consistent, and after the last one the index equals the model.
            while (queued.length > 0) {
              queued.shift()!();
              expectViewsConsistent(db);
            }
            const nodes = lab.testnet.allNodes();
            const blocks = allBlocks(nodes);
            for (const node of nodes) expectViewMatchesNode(index.queries, db, node, blocks);
          }
        } finally {
          index.close();
          await lab.close();
          db.close();
        }
      }),
      { numRuns: 4, endOnFailure: true },
    );
  });
});

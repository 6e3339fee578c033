// Network partition: groups of nodes mine and transact apart, then the network heals and the lighter side reorganises.

import { z } from 'zod';
import { InputError } from '../core/errors.ts';
import type { Lab } from '../network/lab.ts';
import type { Node } from '../node/node.ts';
import { maxDepths, watchReorgs, type AttackDefinition, type ProgressListener } from './attack.ts';

/** Wait after mining stops for blocks still on the wire to reach every node. */
const DRAIN_MS = 30_000;

export const partitionParams = z.object({
  /** Node ids per side; nodes in no group keep all their links. */
  groups: z
    .array(z.array(z.string()).min(1, 'expected at least one node in every group'))
    .min(2, 'expected at least two groups')
    .default([
      ['h0', 'h1'],
      ['h2', 'h3', 'attacker'],
    ]),
  /** How long the sides stay apart, ms on the lab clock. */
  durationMs: z.number().int().positive().max(24 * 3_600_000).default(5 * 60_000),
  /** Payments per second while apart, so that there is something to lose. */
  traffic: z.number().min(0).max(100).default(1),
  /** Longest wait for every node to agree after the heal, ms. */
  settleMs: z.number().int().positive().max(24 * 3_600_000).default(2 * 60_000),
});

export type PartitionParams = z.infer<typeof partitionParams>;

export interface PartitionReport {
  attack: 'partition';
  groups: string[][];
  durationMs: number;
  /** Each node's tip just before the heal. */
  tipsBeforeHeal: Record<string, { height: number; tip: string }>;
  /** Deepest reorg each node went through, from the partition until the end. */
  reorgDepth: Record<string, number>;
  converged: boolean;
  /** Lab-clock time from the heal until every node had the same tip (the wait when they never did). */
  convergeMs: number;
  /** Blocks mined from the partition on that ended outside the final best chain. */
  orphanedBlocks: number;
  /** Confirmed on a losing branch, in neither the final chain nor any mempool. */
  lostTxids: string[];
  /** Recorded by some node's mempool as losing a double spend during the attack. */
  conflictedTxids: string[];
  /** Confirmed on a losing branch, not in the final chain, back in some node's mempool. */
  returnedToMempool: string[];
}

export const partition: AttackDefinition<typeof partitionParams, PartitionReport> = {
  name: 'partition',
  title: 'Network partition',
  summary: 'The network splits into groups that cannot reach each other; each side mines and confirms payments on its own chain. When the links return, the side with less work reorganises onto the other: its blocks are orphaned and its transactions go back to the mempool or are lost.',
  params: partitionParams,

  async run(lab: Lab, p: PartitionParams, onProgress?: ProgressListener): Promise<PartitionReport> {
    checkGroups(lab, p.groups);
    const nodes = lab.testnet.allNodes();
    const start = lab.now();
    const progress = (phase: string, message: string, data?: Record<string, unknown>) =>
      onProgress?.({ attack: 'partition', t: lab.now() - start, phase, message, ...(data ? { data } : {}) });

    // 1. Coins for the traffic: every miner's first block mature, so each side has wallets that can pay.
    if (p.traffic > 0) {
      progress('funding', 'mining until the wallets hold mature coins');
      await fund(lab);
    }

    // 2. Apart: both sides mine and transact.
    const reorgs = watchReorgs(lab);
    const doubleSpendsBefore = new Map(nodes.map((n) => [n.id, n.mempool.doubleSpends.length]));
    const found: string[] = [];
    const offFound = lab.miners.events.on('blockFound', (e) => found.push(e.block.id));
    const wasRunning = lab.miners.running;
    let tipsBeforeHeal: PartitionReport['tipsBeforeHeal'] = {};
    let converged = false;
    let convergeMs = 0;
    let healed = false;
    try {
      lab.testnet.partition(p.groups);
      progress('partitioned', `split into ${p.groups.map((g) => `[${g.join(', ')}]`).join(' ')}`, { groups: p.groups });
      if (p.traffic > 0) lab.startTraffic({ rate: p.traffic });
      lab.miners.start();
      await lab.sleep(p.durationMs);

      // 3. Heal, keep mining (equal-work sides only resolve with the next block), wait for agreement.
      tipsBeforeHeal = Object.fromEntries(nodes.map((n) => [n.id, { height: n.chain.height, tip: n.chain.tip.id }]));
      lab.traffic?.stop();
      progress('healing', 'links restored', { tipsBeforeHeal });
      const healedAt = lab.now();
      lab.testnet.heal();
      healed = true;
      converged = await lab.waitFor(() => lab.testnet.converged(), p.settleMs);
      convergeMs = lab.now() - healedAt;
      if (!wasRunning) await lab.miners.stop();
      // Blocks found just before mining stopped may still be on the wire.
      await lab.waitFor(() => lab.testnet.converged(), DRAIN_MS);
    } finally {
      if (!healed) lab.testnet.heal();
      lab.traffic?.stop();
      offFound();
      reorgs.stop();
      if (!wasRunning) await lab.miners.stop();
    }

    // 4. What the losing side gave up, judged against the best chain of the node with the most work.
    const reference = nodes.filter((n) => n.running).reduce((a, b) => (b.chain.tip.chainWork > a.chain.tip.chainWork ? b : a));
    const finalTxids = activeTxids(reference);
    const orphanedBlocks = found.filter((id) => {
      const e = reference.chain.getEntry(id);
      return !e || !reference.chain.isInActiveChain(e);
    }).length;
    const inMempool = (txid: string) => nodes.some((n) => n.mempool.has(txid));
    const reversed = new Set<string>();
    for (const b of reorgs.detached) for (const tx of b.txs.slice(1)) if (!finalTxids.has(tx.id)) reversed.add(tx.id);
    const lostTxids = [...reversed].filter((id) => !inMempool(id));
    const returnedToMempool = [...reversed].filter(inMempool);
    const conflicted = new Set<string>();
    for (const n of nodes) for (const ds of n.mempool.doubleSpends.slice(doubleSpendsBefore.get(n.id) ?? 0)) conflicted.add(ds.txid);
    const reorgDepth = maxDepths(reorgs.depths);
    progress('done', converged ? `converged ${convergeMs} ms after the heal` : `no agreement within ${p.settleMs} ms`, {
      orphanedBlocks,
      lost: lostTxids.length,
      returned: returnedToMempool.length,
    });
    return {
      attack: 'partition',
      groups: p.groups.map((g) => [...g]),
      durationMs: p.durationMs,
      tipsBeforeHeal,
      reorgDepth,
      converged,
      convergeMs,
      orphanedBlocks,
      lostTxids,
      conflictedTxids: [...conflicted],
      returnedToMempool,
    };
  },
};

/** Every node named exists, appears once, and no group is empty; throws InputError before anything changes. */
function checkGroups(lab: Lab, groups: readonly (readonly string[])[]): void {
  if (groups.length < 2) throw new InputError('bad-groups', `partition: groups: expected at least two groups, got ${groups.length}`);
  const known = lab.testnet.ids();
  const seen = new Map<string, number>();
  groups.forEach((g, i) => {
    if (g.length === 0) throw new InputError('bad-groups', `partition: groups.${i}: expected at least one node in every group`);
    for (const id of g) {
      if (!known.includes(id)) throw new InputError('unknown-node', `partition: groups.${i}: unknown node ${JSON.stringify(id)}: expected one of ${known.join(', ')}`);
      const other = seen.get(id);
      if (other !== undefined) throw new InputError('bad-groups', `partition: groups: node ${JSON.stringify(id)} is in group ${other} and group ${i}: expected each node in at most one group`);
      seen.set(id, i);
    }
  });
}

/** Mines round-robin over every miner until each miner's first block here is mature. */
async function fund(lab: Lab): Promise<void> {
  const miners = lab.miners.all().filter((m) => m.node.running);
  if (miners.length === 0) return;
  const chain = lab.honestNodes()[0]!.chain;
  const target = miners.length + lab.testnet.params.coinbaseMaturity;
  for (let i = 0; chain.height < target; i++) await lab.mineNow(miners[i % miners.length]!.id, 1);
}

function activeTxids(node: Node): Set<string> {
  const out = new Set<string>();
  for (let h = 1; h <= node.chain.height; h++) for (const tx of node.chain.getBlock(node.chain.entryAtHeight(h)!.id)!.txs) out.add(tx.id);
  return out;
}

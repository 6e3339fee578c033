// History rewrite: a majority attacker rebuilds the chain from a chosen block, censoring or replacing transactions.

import { z } from 'zod';
import type { BlockEntry } from '../core/chainstate.ts';
import { InputError } from '../core/errors.ts';
import { outpointKey, type Transaction } from '../core/tx.ts';
import { ATTACKER, type Lab } from '../network/lab.ts';
import { honestStrategy } from '../miner/virtual-miners.ts';
import { maxDepths, reversedTxids, watchReorgs, type AttackDefinition, type ProgressListener } from './attack.ts';
import { PrivateBranch, type BlockPlan } from './private-branch.ts';

const hash = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');

export const rewriteParams = z
  .object({
    /** First block to replace, by height on the attacker's best chain ... */
    fromHeight: z.number().int().min(1).optional(),
    /** ... or by hash. */
    fromHash: hash.optional(),
    /** Transactions left out of the new history (with everything that spends their outputs). */
    censor: z.array(hash).default([]),
    /** Put a conflicting transaction in place of each censored one whose coins the attacker owns. */
    replace: z.boolean().default(false),
    timeoutMs: z.number().int().positive().default(60 * 60_000),
  })
  .refine((p) => (p.fromHeight === undefined) !== (p.fromHash === undefined), { message: 'expected exactly one of fromHeight or fromHash' });

export type RewriteParams = z.infer<typeof rewriteParams>;

export interface RewriteReport {
  attack: 'rewrite';
  success: boolean;
  reason: string;
  timeMs: number;
  q: number;
  fork: { height: number; hash: string };
  /** Blocks of the old history that were replaced. */
  replacedBlocks: number;
  newBranchLength: number;
  censored: string[];
  replacements: { censored: string; replacement: string }[];
  /** Transactions of the old history carried into the new one. */
  carried: number;
  reorgDepth: Record<string, number>;
  reversedTxids: string[];
}

export const rewrite: AttackDefinition<typeof rewriteParams, RewriteReport> = {
  name: 'rewrite',
  title: 'History rewrite',
  summary: 'A majority attacker rebuilds the chain from a chosen block in private, carrying over the old transactions except the censored ones (or replacing those it can sign for with conflicting ones), and publishes once its branch is heavier.',
  params: rewriteParams,

  async run(lab: Lab, p: RewriteParams, onProgress?: ProgressListener): Promise<RewriteReport> {
    const attacker = lab.attacker;
    const miner = lab.attackerMiner;
    const chain = attacker.chain;
    const start = lab.now();
    const progress = (phase: string, message: string, data?: Record<string, unknown>) => onProgress?.({ attack: 'rewrite', t: lab.now() - start, phase, message, ...(data ? { data } : {}) });

    const from = resolveBlock(lab, p);
    const fork = from.parent!;
    const oldTip = chain.tip;
    // The old history from `from` to the tip, with the coins each transaction spent (from undo data).
    const censored = new Set(p.censor);
    const known = new Set<string>();
    const carried: { tx: Transaction; fee: bigint; offset: number }[] = [];
    const dropped = new Set<string>();
    const replacements: { censored: string; replacement: string; tx: Transaction; fee: bigint; offset: number }[] = [];
    const wallet = lab.testnet.wallet(ATTACKER);
    for (let h = from.height; h <= oldTip.height; h++) {
      const entry = chain.entryAtHeight(h)!;
      const block = chain.getBlock(entry.id)!;
      const undo = chain.getUndo(entry.id)!;
      dropped.add(block.txs[0]!.id); // coinbases of replaced blocks disappear
      block.txs.slice(1).forEach((tx, i) => {
        known.add(tx.id);
        const spentCoins = undo.spent[i]!;
        const fee = spentCoins.reduce((s, c) => s + c.value, 0n) - tx.totalOut();
        const dependsOnDropped = tx.inputs.some((input) => dropped.has(outpointKey(input.prevout).split(':')[0]!));
        if (censored.has(tx.id) || dependsOnDropped) {
          dropped.add(tx.id);
          if (censored.has(tx.id) && p.replace && spentCoins.every((c) => wallet.isMine(c.scriptPubKey))) {
            const spends = tx.inputs.map((input, k) => ({ outpoint: input.prevout, value: spentCoins[k]!.value, scriptPubKey: spentCoins[k]!.scriptPubKey }));
            const total = spends.reduce((s, c) => s + c.value, 0n);
            const replacement = wallet.signWith(spends, [{ value: total - 1_000n, scriptPubKey: wallet.newAddress().scriptPubKey }]);
            replacements.push({ censored: tx.id, replacement: replacement.id, tx: replacement, fee: 1_000n, offset: h - from.height });
          }
        } else {
          carried.push({ tx, fee, offset: h - from.height });
        }
      });
    }
    for (const id of censored) if (!known.has(id)) throw new InputError('unknown-tx', `censor: transaction ${id} is not in the rewritten blocks`);

    // Each carried or replacing transaction goes into the block at the old one's height, so coinbase maturity and
    // lock times hold as they did.
    const plans: BlockPlan[] = Array.from({ length: oldTip.height - from.height + 1 }, (_, k) => {
      const items = [...replacements, ...carried].filter((c) => c.offset === k);
      return { txs: items.map((c) => c.tx), fees: items.reduce((s, c) => s + c.fee, 0n) };
    });
    const branch = new PrivateBranch(fork, plans);
    const wasRunning = lab.miners.running;
    miner.strategy = branch;
    const reorgs = watchReorgs(lab);
    lab.miners.start();
    progress('mining', `rebuilding from height ${from.height} on ${fork.id}`, { censored: [...censored], carried: carried.length });

    const decided = (): boolean => {
      if (!branch.published && branch.blocks.length > 0 && branch.work(attacker) > branch.publicWork(attacker)) {
        branch.publish(attacker);
        progress('published', `published ${branch.blocks.length} blocks`);
      }
      return branch.published && lab.honestNodes().every((n) => branch.adoptedBy(n));
    };
    const ok = await lab.waitFor(decided, p.timeoutMs);
    await lab.waitFor(() => lab.testnet.converged(), 60_000);
    reorgs.stop();
    miner.strategy = honestStrategy;
    if (!wasRunning) await lab.miners.stop();

    const honest = lab.honestNodes()[0]!;
    const stillConfirmed = [...censored].filter((id) => txInActiveChain(honest, id, fork));
    const success = ok && stillConfirmed.length === 0;
    const reason = success
      ? `every honest node adopted the rewritten history; ${censored.size} transaction(s) censored`
      : ok
        ? `censored transactions confirmed again: ${stillConfirmed.join(', ')}`
        : `the private branch did not overtake the honest chain within ${p.timeoutMs} ms`;
    progress('done', reason, { success });
    return {
      attack: 'rewrite',
      success,
      reason,
      timeMs: lab.now() - start,
      q: miner.share,
      fork: { height: fork.height, hash: fork.id },
      replacedBlocks: oldTip.height - fork.height,
      newBranchLength: branch.blocks.length,
      censored: [...censored],
      replacements: replacements.map(({ censored: c, replacement }) => ({ censored: c, replacement })),
      carried: carried.length,
      reorgDepth: maxDepths(reorgs.depths),
      reversedTxids: reversedTxids(reorgs.detached, lab.honestNodes()[0]!.chain),
    };
  },
};

function resolveBlock(lab: Lab, p: RewriteParams): BlockEntry {
  const chain = lab.attacker.chain;
  let entry: BlockEntry | undefined;
  if (p.fromHash !== undefined) {
    entry = chain.getEntry(p.fromHash);
    if (!entry || !chain.isInActiveChain(entry)) throw new InputError('unknown-block', `fromHash: block ${p.fromHash} is not on the attacker's best chain`);
  } else {
    entry = chain.entryAtHeight(p.fromHeight!);
    if (!entry) throw new InputError('unknown-block', `fromHeight: expected 1..${chain.height}, got ${p.fromHeight}`);
  }
  if (entry.height === 0) throw new InputError('unknown-block', 'cannot rewrite the genesis block');
  return entry;
}

function txInActiveChain(node: { chain: Lab['attacker']['chain'] }, txid: string, fork: BlockEntry): boolean {
  for (let h = fork.height + 1; h <= node.chain.height; h++) {
    if (node.chain.getBlock(node.chain.entryAtHeight(h)!.id)!.txs.some((tx) => tx.id === txid)) return true;
  }
  return false;
}

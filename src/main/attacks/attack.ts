// What every attack scenario is: a parameter schema, a run on a lab network with progress events, and a report.

import type { z } from 'zod';
import type { Block } from '../core/block.ts';
import type { Chainstate, ChainEvents } from '../core/chainstate.ts';
import { InputError } from '../core/errors.ts';
import type { Lab } from '../network/lab.ts';

export interface Progress {
  attack: string;
  /** Lab clock, ms since the attack started. */
  t: number;
  phase: string;
  message: string;
  data?: Record<string, unknown>;
}

export type ProgressListener = (p: Progress) => void;

export interface AttackDefinition<S extends z.ZodType, R> {
  readonly name: string;
  readonly title: string;
  readonly summary: string;
  readonly params: S;
  run(lab: Lab, params: z.infer<S>, onProgress?: ProgressListener): Promise<R>;
}

/** Parses attack parameters with the attack's schema; a clear InputError names the first problem. */
export function parseParams<S extends z.ZodType>(def: { name: string; params: S }, raw: unknown): z.infer<S> {
  const r = def.params.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const where = issue.path.length > 0 ? issue.path.join('.') : 'parameters';
  throw new InputError('bad-params', `${def.name}: ${where}: ${issue.message}`);
}

/** Reorg depths seen by each node while the returned stop function has not been called. */
export function watchReorgs(lab: Lab): { depths: Record<string, number[]>; detached: Block[]; stop: () => void } {
  const depths: Record<string, number[]> = {};
  const detached: Block[] = [];
  const offs: (() => void)[] = [];
  for (const node of lab.testnet.allNodes()) {
    depths[node.id] = [];
    offs.push(
      node.chain.events.on('reorg', (e: ChainEvents['reorg']) => {
        depths[node.id]!.push(e.depth);
        for (const d of e.detached) {
          const b = node.chain.getBlock(d.id);
          if (b) detached.push(b);
        }
      }),
    );
  }
  return { depths, detached, stop: () => offs.forEach((off) => off()) };
}

export function maxDepths(depths: Record<string, number[]>): Record<string, number> {
  return Object.fromEntries(Object.entries(depths).map(([id, ds]) => [id, ds.length > 0 ? Math.max(...ds) : 0]));
}

/**
 * Txids (non-coinbase) of the detached blocks that `chain`'s best chain does not hold now: what the reorgs took
 * back from the point of view of that node (the merchant, or an honest node), after it settled.
 */
export function reversedTxids(detached: readonly Block[], chain: Pick<Chainstate, 'height' | 'getEntry' | 'entryAtHeight' | 'getBlock'>): string[] {
  let low = chain.height + 1;
  for (const b of detached) low = Math.min(low, chain.getEntry(b.id)?.height ?? low);
  const onChain = new Set<string>();
  for (let h = low; h <= chain.height; h++) for (const tx of chain.getBlock(chain.entryAtHeight(h)!.id)?.txs ?? []) onChain.add(tx.id);
  const out = new Set<string>();
  for (const b of detached) for (const tx of b.txs.slice(1)) if (!onChain.has(tx.id)) out.add(tx.id);
  return [...out];
}

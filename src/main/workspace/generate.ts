// Fills an open workspace with a chain and payment traffic in virtual time, committing the index as it goes.

import { InputError } from '../core/errors.ts';
import type { Workspace } from './workspace.ts';

export interface GenerateProgress {
  /** Height of the reference (first) node, and the height generation stops at. */
  height: number;
  target: number;
  startHeight: number;
  /** Blocks whose data became committed in the index since the last report (display-order hashes). */
  stored: string[];
}

export interface GenerateOptions {
  blocks: number;
  /** Payments per second of virtual time. */
  txRate: number;
  onProgress?: (p: GenerateProgress) => void;
}

export interface GenerateResult {
  workspace: string;
  node: string;
  startHeight: number;
  height: number;
  tip: string;
  blocksStored: number;
  transactions: number;
  virtualSeconds: number;
  tips: { node: string; height: number; tip: string }[];
}

/**
 * Mines until the first node's best chain is `blocks` higher, with traffic at `txRate`. After each slice of
 * virtual time (one target spacing) the index is flushed, and the blocks that slice committed are reported:
 * a block reported through onProgress is on disk.
 */
export async function generate(ws: Workspace, o: GenerateOptions): Promise<GenerateResult> {
  const lab = ws.lab;
  if (lab.miners.all().reduce((s, m) => s + m.share, 0) <= 0) throw new InputError('no-hash-power', `${ws.dir}: no node has a mining share; nothing can mine`);
  const ref = lab.testnet.allNodes()[0]!;
  const startHeight = ref.chain.height;
  const target = startHeight + o.blocks;
  const startMs = lab.now();
  const sliceMs = ws.blockInterval * 1000;
  const db = ws.db;
  const newRows = db.prepare('SELECT id, lower(hex(hash)) AS hash, has_data AS hasData FROM blocks WHERE id > ? ORDER BY id');
  const filled = db.prepare('SELECT lower(hex(hash)) AS hash, has_data AS hasData FROM blocks WHERE id = ?');
  let lastId = Number(db.prepare('SELECT coalesce(max(id), 0) FROM blocks').pluck().get());
  const headersOnly = new Set<number>();
  let blocksStored = 0;
  const collect = (): string[] => {
    const out: string[] = [];
    for (const id of [...headersOnly]) {
      const r = filled.get(id) as { hash: string; hasData: number };
      if (r.hasData === 1) {
        headersOnly.delete(id);
        out.push(r.hash);
      }
    }
    for (const r of newRows.all(lastId) as { id: number; hash: string; hasData: number }[]) {
      lastId = r.id;
      if (r.hasData === 1) out.push(r.hash);
      else headersOnly.add(r.id);
    }
    blocksStored += out.length;
    return out;
  };
  const report = (): void => {
    ws.flush();
    const stored = collect();
    o.onProgress?.({ height: Math.min(ref.chain.height, target), target, startHeight, stored });
  };

  if (o.txRate > 0) lab.startTraffic({ rate: o.txRate });
  lab.miners.start();
  let idleSlices = 0;
  try {
    report();
    while (ref.chain.height < target) {
      const before = ref.chain.height;
      await lab.waitFor(() => ref.chain.height >= target, sliceMs);
      report();
      idleSlices = ref.chain.height > before ? 0 : idleSlices + 1;
      if (idleSlices > 10_000) throw new Error(`generate: no progress over ${idleSlices} block intervals`);
    }
  } finally {
    await lab.miners.stop();
    lab.traffic?.stop();
  }
  // Let the last blocks reach every node.
  await lab.waitFor(() => lab.testnet.converged(), 60_000);
  report();
  ws.save({ rate: o.txRate });
  const transactions = Number(db.prepare('SELECT count(*) FROM txs').pluck().get());
  return {
    workspace: ws.dir,
    node: ref.id,
    startHeight,
    height: ref.chain.height,
    tip: ref.chain.tip.id,
    blocksStored,
    transactions,
    virtualSeconds: Math.round((lab.now() - startMs) / 1000),
    tips: lab.testnet.tips().map((t) => ({ node: t.node, height: t.height, tip: t.tip })),
  };
}

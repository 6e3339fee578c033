// Reopening a 100,000-block workspace (restored from the index) against reopening it by replaying every block with full validation.

import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExplorerIndex } from '../src/main/indexer/ingest.ts';
import { openIndexDatabase } from '../src/main/indexer/schema.ts';
import { INDEX_FILE, Workspace } from '../src/main/workspace/workspace.ts';
import { WORKSPACE_PARAMS } from '../src/main/workspace/workspace-file.ts';
import { ChainBuilder } from '../test/support/chain-builder.ts';
import type { Figure } from './figure.ts';

const BLOCKS = 100_000;
/** Every SPEND_EVERY blocks a block also spends a mature coinbase, so undo data and the UTXO set are not coinbases only. */
const SPEND_EVERY = 100;
const NODE = 'n';

function log(msg: string): void {
  process.stderr.write(`bench workspace: ${msg}\n`);
}

/**
 * A forklab-sim workspace of one node whose view holds BLOCKS blocks: built with ChainBuilder (solved
 * headers, full validation by its chainstate) and indexed through ExplorerIndex as the app indexes a node.
 */
async function buildWorkspace(dir: string): Promise<{ seconds: number; txs: number }> {
  const start = performance.now();
  const ws = Workspace.create(dir, { seed: 'bench-workspace', params: 'forklab-sim', network: { nodes: [{ id: NODE, share: 1 }] } });
  await ws.close();
  const t = new ChainBuilder(WORKSPACE_PARAMS['forklab-sim']!, 'bench-workspace');
  const db = openIndexDatabase(join(dir, INDEX_FILE));
  try {
    const index = new ExplorerIndex(db, { schedule: () => {}, now: () => 0, maxTxsPerTransaction: 5000 });
    index.attach(NODE, t.chain);
    let prev = 'genesis';
    for (let h = 1; h <= BLOCKS; h++) {
      const spend = h % SPEND_EVERY === 0 && h > 2 * SPEND_EVERY ? [t.spendCoinbase(`b${h - 2 * SPEND_EVERY}`, { outputs: 2 })] : [];
      t.block(`b${h}`, prev, { txs: spend });
      t.accept(`b${h}`);
      prev = `b${h}`;
      if (h % 2000 === 0) index.flush();
      if (h % 20_000 === 0) log(`built ${h}/${BLOCKS} blocks in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    }
    index.close();
    return { seconds: (performance.now() - start) / 1000, txs: Number(db.prepare('SELECT count(*) FROM txs').pluck().get()) };
  } finally {
    db.close();
  }
}

/** Milliseconds (wall and CPU) to open the workspace with `open` and close it again (closing is not counted). */
async function timeOpen(open: () => Workspace): Promise<{ ms: number; cpuMs: number; height: number; coins: number }> {
  const t = performance.now();
  const cpu = process.cpuUsage();
  const ws = open();
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - t;
  const node = ws.lab.testnet.node(NODE);
  const result = { ms, cpuMs: (used.user + used.system) / 1000, height: node.chain.height, coins: node.chain.utxo.size };
  await ws.close();
  return result;
}

/**
 * Builds the workspace in a child process, so that the reopen is measured in a heap without the builder's
 * 100,000 blocks (as an app opening a workspace has).
 */
function buildInChild(dir: string): { seconds: number; txs: number } {
  const out = join(dir, 'built.json');
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--build', join(dir, 'ws'), out], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`bench workspace: building in a child process failed (${r.status ?? r.signal})`);
  return JSON.parse(readFileSync(out, 'utf8')) as { seconds: number; txs: number };
}

export async function benchWorkspaceReopen(): Promise<Figure> {
  const dir = mkdtempSync(join(tmpdir(), 'forklab-bench-workspace-'));
  const ws = join(dir, 'ws');
  try {
    const built = buildInChild(dir);
    log(`built in ${built.seconds.toFixed(0)} s; reopening`);
    const load = loadavg()[0]!;
    const cold = await timeOpen(() => Workspace.open(ws));
    const runs = [await timeOpen(() => Workspace.open(ws)), await timeOpen(() => Workspace.open(ws)), await timeOpen(() => Workspace.open(ws))];
    const restore = [...runs].sort((a, b) => a.ms - b.ms)[1]!;
    log(`restored in ${restore.ms.toFixed(0)} ms; replaying every block for the baseline`);
    const replay = await timeOpen(() => Workspace.openReplaying(ws));
    if (replay.height !== restore.height || replay.coins !== restore.coins) {
      throw new Error(`bench workspace: restore reached height ${restore.height} with ${restore.coins} coins, replay ${replay.height} with ${replay.coins}`);
    }
    const file = new Database(join(ws, INDEX_FILE), { readonly: true });
    const size = Number(file.pragma('page_count', { simple: true })) * Number(file.pragma('page_size', { simple: true }));
    file.close();
    return {
      name: 'workspace.reopen100k',
      unit: 'ms',
      value: Math.round(restore.ms),
      baseline: { name: 'Workspace.openReplaying: the same workspace, every stored block replayed with full validation', value: Math.round(replay.ms) },
      ratio: Math.round((restore.ms / replay.ms) * 1000) / 1000,
      goal: 'under 3000 ms',
      met: restore.ms < 3000,
      notes:
        `Workspace.open of a forklab-sim workspace of one node at height ${restore.height} (${built.txs} txs: coinbases, and a spend every ${SPEND_EVERY} blocks; ` +
        `${restore.coins} coins in the UTXO set; index ${(size / 1e6).toFixed(0)} MB, built in ${built.seconds.toFixed(0)} s): every header checked (linkage, proof of work, ` +
        `difficulty, timestamps), the top 6 blocks read and checked, the UTXO set loaded from the index; median of 3 after a first open (${Math.round(cold.ms)} ms); ` +
        `CPU time of that open ${Math.round(restore.cpuMs)} ms (all threads, GC included), replay ${Math.round(replay.cpuMs)} ms; load average ${load.toFixed(1)} on ${availableParallelism()} CPUs when it started; ` +
        `ratio = restore / full replay (lower is better)`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--build');
  if (at >= 0) {
    const built = await buildWorkspace(process.argv[at + 1]!);
    writeFileSync(process.argv[at + 2]!, JSON.stringify(built));
  } else process.stdout.write(`${JSON.stringify(await benchWorkspaceReopen(), null, 2)}\n`);
}

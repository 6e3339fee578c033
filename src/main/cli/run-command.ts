// The run command: a live network of honest nodes mining in real time, printing every tip change as it happens.

import { InputError } from '../core/errors.ts';
import { createRealTimeMiners, RealTimeMiners } from '../miner/real-miners.ts';
import { Lab } from '../network/lab.ts';
import { common, int, num, str, type Command } from './command.ts';

interface TipLine {
  /** Seconds since the run started. */
  t: number;
  node: string;
  height: number;
  tip: string;
  /** Blocks disconnected, when the tip change was a reorg. */
  reorg?: number;
}

interface RunSummary {
  seconds: number;
  nodes: number;
  threads: number;
  seed: string;
  converged: boolean;
  tips: { node: string; height: number; tip: string }[];
  /** Hashes per second: over the whole run, and over its last few seconds. */
  hashRate: { average: number; recent: number };
  hashes: number;
  /** Blocks found by each node's miner. */
  blocksFound: Record<string, number>;
  tipChanges: number;
  reorgs: { count: number; maxDepth: number };
  transactions?: { sent: number; refused: number; noFunds: number };
}

export const runCommand: Command = {
  usage: '--minutes M [--nodes N] [--threads T] [--traffic RATE] [--seed S] [--json]   run a live network in real time, printing tip changes',
  options: { ...common, nodes: { type: 'string' }, minutes: { type: 'string' }, threads: { type: 'string' }, traffic: { type: 'string' }, seed: { type: 'string' } },
  async run(values) {
    const network = str(values.network, 'forklab');
    if (network !== 'forklab') throw new InputError('unsupported-network', `run: only the forklab network runs live, got ${network}`);
    const nodes = int(values.nodes, 'nodes', 1, 64, 4);
    const minutes = num(values.minutes, 'minutes', (x) => x > 0 && x <= 24 * 60, 'a number of minutes in (0, 1440]');
    const threads = int(values.threads, 'threads', 1, 64, 2);
    const traffic = num(values.traffic, 'traffic', (x) => x >= 0 && x <= 1000, 'payments per second in [0, 1000]', 0);
    const seed = str(values.seed, 'forklab-run');
    const json = values.json === true;

    const lab = Lab.create({ mode: 'real', honest: nodes, attackerShare: 0, threads, seed, realMiners: createRealTimeMiners });
    const rt = lab.miners;
    if (!(rt instanceof RealTimeMiners)) throw new Error('run: expected the lab to mine with RealTimeMiners');

    const started = lab.now();
    const seconds = (): number => Math.round((lab.now() - started) / 100) / 10;
    let tipChanges = 0;
    let reorgCount = 0;
    let maxDepth = 0;
    const unsubscribe: (() => void)[] = [];
    for (const node of lab.testnet.allNodes()) {
      // The chain emits `reorg` just before the `tipChanged` it causes.
      let pendingReorg: number | null = null;
      unsubscribe.push(
        node.chain.events.on('reorg', (e) => {
          pendingReorg = e.depth;
          reorgCount++;
          maxDepth = Math.max(maxDepth, e.depth);
        }),
        node.chain.events.on('tipChanged', (e) => {
          tipChanges++;
          const line: TipLine = { t: seconds(), node: node.id, height: e.tip.height, tip: e.tip.id, ...(pendingReorg !== null ? { reorg: pendingReorg } : {}) };
          pendingReorg = null;
          process.stdout.write(`${json ? JSON.stringify(line) : formatTipLine(line)}\n`);
        }),
      );
    }

    // Ctrl-C ends the run early, with the summary.
    let interrupt = (): void => undefined;
    const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
    process.once('SIGINT', interrupt);
    try {
      rt.start();
      if (traffic > 0) lab.startTraffic({ rate: traffic });
      await Promise.race([lab.sleep(minutes * 60_000), interrupted]);
      lab.traffic?.stop();
      await rt.stop();
    } finally {
      process.off('SIGINT', interrupt);
      for (const off of unsubscribe) off();
      await lab.close();
      await rt.close();
    }

    const elapsed = (lab.now() - started) / 1000;
    const blocksFound: Record<string, number> = {};
    for (const m of rt.all()) blocksFound[m.node.id] = (blocksFound[m.node.id] ?? 0) + m.blocksFound;
    const summary: RunSummary = {
      seconds: Math.round(elapsed * 10) / 10,
      nodes,
      threads,
      seed,
      converged: lab.testnet.converged(),
      tips: lab.testnet.tips().map((t) => ({ node: t.node, height: t.height, tip: t.tip })),
      hashRate: { average: Math.round(rt.totalHashes / elapsed), recent: Math.round(rt.hashRate()) },
      hashes: rt.totalHashes,
      blocksFound,
      tipChanges,
      reorgs: { count: reorgCount, maxDepth },
      ...(lab.traffic ? { transactions: { ...lab.traffic.stats } } : {}),
    };
    return summary;
  },
  print: (r) => {
    const x = r as RunSummary;
    const tips = x.tips.map((t) => `${t.node} ${t.height} ${shortHash(t.tip)}`).join(', ');
    const found = Object.entries(x.blocksFound).map(([node, n]) => `${node} ${n}`).join(', ');
    return (
      `ran ${x.seconds}s: ${x.converged ? 'converged' : 'not converged'}; tips ${tips}; ` +
      `${formatRate(x.hashRate.average)}; blocks found ${found}; reorgs ${x.reorgs.count} (deepest ${x.reorgs.maxDepth})`
    );
  },
};

function formatTipLine(l: TipLine): string {
  return `t=${l.t.toFixed(1)}s ${l.node} height ${l.height} ${shortHash(l.tip)}${l.reorg !== undefined ? ` (reorg, ${l.reorg} block${l.reorg === 1 ? '' : 's'} replaced)` : ''}`;
}

function shortHash(id: string): string {
  return `${id.slice(0, 8)}…`;
}

function formatRate(hashesPerSecond: number): string {
  return hashesPerSecond >= 1e6 ? `${(hashesPerSecond / 1e6).toFixed(2)} MH/s` : `${(hashesPerSecond / 1e3).toFixed(1)} kH/s`;
}

// Workspace commands: `generate`, `index verify`, `query block|tx|address|search|block-views|tx-views` and `provenance`, all on a workspace directory.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../core/errors.ts';
import { Provenance } from '../indexer/provenance.ts';
import { generate, type GenerateProgress, type GenerateResult } from '../workspace/generate.ts';
import type { VerifyResult } from '../workspace/verify.ts';
import { isFreshDirectory, Workspace, WorkspaceIndex } from '../workspace/workspace.ts';
import { readWorkspaceFile, WORKSPACE_FILE } from '../workspace/workspace-file.ts';
import { int, num, type Command, type Values } from './command.ts';

const base = { json: { type: 'boolean' }, help: { type: 'boolean' }, workspace: { type: 'string' } } as const;
const queryOptions = { ...base, node: { type: 'string' } } as const;

function workspaceDir(v: Values): string {
  if (typeof v.workspace !== 'string' || v.workspace === '') throw new InputError('bad-flag', '--workspace: required, expected a directory');
  return resolve(v.workspace);
}

function oneArgument(command: string, positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new InputError('usage', `${command}: expected one ${what}, got ${positionals.length} arguments`);
  return positionals[0]!;
}

function jsonLine(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

/** Progress on stderr: a redrawn bar on a terminal, otherwise a plain line every tenth of the way (and stored blocks when asked). */
function progressWriter(reportStored: boolean): (p: GenerateProgress) => void {
  const tty = process.stderr.isTTY === true;
  let lastTenth = -1;
  return (p) => {
    const total = Math.max(1, p.target - p.startHeight);
    const done = Math.max(0, p.height - p.startHeight);
    if (reportStored) for (const hash of p.stored) process.stderr.write(`stored ${hash}\n`);
    if (tty) {
      const width = 30;
      const filled = Math.round((done / total) * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} blocks (height ${p.height})${done >= total ? '\n' : ''}`);
      return;
    }
    const tenth = Math.floor((done / total) * 10);
    if (tenth !== lastTenth) {
      lastTenth = tenth;
      process.stderr.write(`generate: ${done}/${total} blocks (height ${p.height})\n`);
    }
  };
}

/** A query over every view at once: one block hash or txid, no --node; answers `{ hash|txid, views }`. */
function everyViewQuery(name: string, key: 'hash' | 'txid', summary: string, query: (wi: WorkspaceIndex, id: string) => unknown): Command {
  return {
    usage: `${key.toUpperCase()} --workspace DIR [--json]   ${summary}`,
    options: base,
    positionals: true,
    run(v, positionals) {
      const id = oneArgument(name, positionals, key === 'hash' ? 'block hash' : 'txid');
      return openQueries(v, (wi) => ({ [key]: id.toLowerCase(), views: query(wi, id) }));
    },
    print: jsonLine,
  };
}

function openQueries(v: Values, run: (wi: WorkspaceIndex, node: string) => unknown): unknown {
  const wi = WorkspaceIndex.open(workspaceDir(v));
  try {
    const node = typeof v.node === 'string' ? v.node : wi.defaultNode;
    return run(wi, node);
  } finally {
    wi.close();
  }
}

function notFound(what: string, arg: string, node: string): never {
  throw new InputError('not-found', `${what} ${arg}: not found (as node ${node} sees it)`);
}

export const workspaceCommands: Record<string, Command> = {
  generate: {
    usage: '--workspace DIR --blocks N [--tx-rate R] [--seed S] [--block-interval SECONDS] [--report-stored] [--json]   fill a (new or existing) workspace with a chain and traffic in virtual time',
    options: { ...base, blocks: { type: 'string' }, 'tx-rate': { type: 'string' }, seed: { type: 'string' }, 'block-interval': { type: 'string' }, 'report-stored': { type: 'boolean' } },
    async run(v) {
      const dir = workspaceDir(v);
      const blocks = int(v.blocks, 'blocks', 1, 1_000_000);
      const txRate = num(v['tx-rate'], 'tx-rate', (x) => x >= 0 && x <= 1000, 'payments per second in 0..1000', 0);
      const seed = typeof v.seed === 'string' ? v.seed : undefined;
      if (seed !== undefined && (seed.length === 0 || seed.length > 200)) throw new InputError('bad-flag', `--seed: expected 1-200 characters, got ${seed.length}`);
      let ws: Workspace;
      if (isFreshDirectory(dir)) {
        if (seed === undefined) throw new InputError('bad-flag', '--seed: required for a new workspace');
        const interval = v['block-interval'] === undefined ? undefined : num(v['block-interval'], 'block-interval', (x) => x >= 0.5 && x <= 3600, 'seconds in 0.5..3600');
        ws = Workspace.create(dir, { seed, traffic: { rate: txRate }, ...(interval !== undefined ? { blockInterval: interval } : {}) });
      } else {
        if (v['block-interval'] !== undefined) throw new InputError('bad-flag', '--block-interval: only for a new workspace (it is set when the workspace is created)');
        if (existsSync(join(dir, WORKSPACE_FILE)) && seed !== undefined) {
          const stored = readWorkspaceFile(join(dir, WORKSPACE_FILE)).seed;
          if (stored !== seed) throw new InputError('seed-mismatch', `--seed: the workspace was created with seed ${JSON.stringify(stored)}, got ${JSON.stringify(seed)}`);
        }
        ws = Workspace.open(dir);
      }
      try {
        return await generate(ws, { blocks, txRate, onProgress: progressWriter(v['report-stored'] === true) });
      } finally {
        await ws.close();
      }
    },
    print: (r) => {
      const x = r as GenerateResult;
      return `${x.workspace}: node ${x.node} at height ${x.height} (was ${x.startHeight}), tip ${x.tip}; ${x.blocksStored} blocks stored, ${x.transactions} transactions in the index, ${x.virtualSeconds} s of virtual time`;
    },
  },

  'index verify': {
    usage: '--workspace DIR [--json]   compare the index with a fresh reindex of its stored blocks',
    options: base,
    run(v) {
      const wi = WorkspaceIndex.open(workspaceDir(v));
      try {
        const r = wi.verify();
        return { consistent: r.consistent, problems: r.problems, views: r.views, blocks: r.blocks };
      } finally {
        wi.close();
      }
    },
    print: (r) => {
      const x = r as VerifyResult;
      return x.consistent ? `consistent: ${x.views} views, ${x.blocks} blocks` : `NOT consistent:\n${x.problems.map((p) => `  ${p}`).join('\n')}`;
    },
  },

  'query block': {
    usage: 'HEIGHT|HASH --workspace DIR [--node ID] [--json]   a block as the node sees it',
    options: queryOptions,
    positionals: true,
    run(v, positionals) {
      const arg = oneArgument('query block', positionals, 'height or block hash');
      return openQueries(v, (wi, node) => {
        const key = /^\d{1,15}$/.test(arg) ? Number(arg) : arg;
        return wi.queries.block(node, key) ?? notFound('block', arg, node);
      });
    },
    print: jsonLine,
  },

  'query tx': {
    usage: 'TXID --workspace DIR [--node ID] [--json]   a transaction, inputs linked to the coins they spend',
    options: queryOptions,
    positionals: true,
    run(v, positionals) {
      const arg = oneArgument('query tx', positionals, 'txid');
      return openQueries(v, (wi, node) => wi.queries.tx(node, arg) ?? notFound('transaction', arg, node));
    },
    print: jsonLine,
  },

  'query address': {
    usage: 'ADDRESS --workspace DIR [--node ID] [--json]   balance, UTXOs and history of an address',
    options: queryOptions,
    positionals: true,
    run(v, positionals) {
      const arg = oneArgument('query address', positionals, 'address');
      return openQueries(v, (wi, node) => wi.queries.address(node, arg) ?? notFound('address', arg, node));
    },
    print: jsonLine,
  },

  'query search': {
    usage: 'QUERY --workspace DIR [--node ID] [--json]   a height, hash, txid or hex prefix (4+), or an address',
    options: queryOptions,
    positionals: true,
    run(v, positionals) {
      const arg = oneArgument('query search', positionals, 'search text');
      return openQueries(v, (wi, node) => ({ query: arg, results: wi.queries.search(node, arg) }));
    },
    print: jsonLine,
  },
  'query block-views': everyViewQuery('query block-views', 'hash', 'a block as every node sees it: status and confirmations', (wi, hash) => wi.queries.blockViews(hash)),
  'query tx-views': everyViewQuery('query tx-views', 'txid', 'a transaction as every node sees it: confirmed, in its mempool, only in stale blocks, or unknown', (wi, txid) => wi.queries.txViews(txid)),
  provenance: {
    usage: 'TXID:VOUT --workspace DIR [--node ID] [--max-depth D] [--max-nodes N] [--json]   where a coin came from, back to its coinbases',
    options: { ...queryOptions, 'max-depth': { type: 'string' }, 'max-nodes': { type: 'string' } },
    positionals: true,
    run(v, positionals) {
      const coin = oneArgument('provenance', positionals, 'coin (TXID:VOUT)');
      const maxDepth = int(v['max-depth'], 'max-depth', 1, 10_000, 50);
      const maxNodes = int(v['max-nodes'], 'max-nodes', 1, 1_000_000, 10_000);
      return openQueries(v, (wi, node) => new Provenance(wi.db).ancestry(node, coin, { maxDepth, maxNodes }) ?? notFound('coin', coin, node));
    },
    print: jsonLine,
  },
};

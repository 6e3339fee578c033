// Explorer query latency: p50 / p99 of block, tx, address and search on an index of about 1M transactions.

import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Block } from '../src/main/core/block.ts';
import type { BlockEntry, ChainEvents } from '../src/main/core/chainstate.ts';
import { Emitter } from '../src/main/core/events.ts';
import { BlockHeader } from '../src/main/core/header.ts';
import { FORKLAB_SIM, type NetworkParams } from '../src/main/core/params.ts';
import { Rng } from '../src/main/core/rng.ts';
import { NULL_TXID, SEQUENCE_FINAL, Transaction, type OutPoint } from '../src/main/core/tx.ts';
import type { Coin } from '../src/main/core/utxo.ts';
import type { BlockUndo } from '../src/main/core/validate.ts';
import { ExplorerIndex, type ChainSource } from '../src/main/indexer/ingest.ts';
import { ExplorerQueries } from '../src/main/indexer/queries.ts';
import { openIndexDatabase } from '../src/main/indexer/schema.ts';
import type { Figure } from './figure.ts';

const BLOCKS = 250;
const PER_BLOCK = 4000;
const ADDRESSES = 20_000;
const QUERIES = 3000;
const WARM_UP = 200;
const VIEW = 'bench';

interface Spendable {
  outpoint: OutPoint;
  coin: Coin;
}

/**
 * A best chain of synthetic blocks (as bench/indexer.ts builds them: two-in, two-out transactions spending
 * random earlier outputs to p2wpkh addresses from a fixed pool), reported through the chain events the index
 * subscribes to. Unlike ScriptedChain it keeps only the newest block and its undo data, so a million
 * transactions fit in memory; the index reads a block only while handling the event that reports it.
 */
class StreamedChain implements ChainSource {
  readonly events = new Emitter<ChainEvents>();
  readonly params: NetworkParams;
  private readonly active: BlockEntry[] = [];
  private readonly rng = new Rng('bench-queries');
  private readonly scripts: Uint8Array[];
  private readonly unspent: Spendable[] = [];
  private readonly witness = [new Uint8Array(64).fill(0x5a)]; // a Schnorr signature's size; the index does not verify
  private last: { id: string; block: Block; undo: BlockUndo | undefined } | null = null;

  constructor(params: NetworkParams) {
    this.params = params;
    const g = params.genesis;
    this.active.push({ id: g.id, hash: g.hash, header: g.header, height: 0, chainWork: 1n, parent: null, sequence: 0, hasData: true, invalid: null, children: [] });
    this.last = { id: g.id, block: g, undo: undefined };
    this.scripts = Array.from({ length: ADDRESSES }, () => Uint8Array.of(0x00, 0x14, ...this.rng.bytes(20)));
  }

  get height(): number {
    return this.active.length - 1;
  }
  entryAtHeight(h: number): BlockEntry | undefined {
    return this.active[h];
  }
  isInActiveChain(e: BlockEntry): boolean {
    return this.active[e.height] === e;
  }
  tips(): BlockEntry[] {
    return [this.active[this.active.length - 1]!];
  }
  getBlock(id: string): Block | undefined {
    return this.last?.id === id ? this.last.block : undefined;
  }
  getUndo(id: string): BlockUndo | undefined {
    return this.last?.id === id ? this.last.undo : undefined;
  }
  getEntry(id: string): BlockEntry | undefined {
    return this.active.find((e) => e.id === id);
  }

  private script(): Uint8Array {
    return this.scripts[this.rng.int(this.scripts.length)]!;
  }

  private take(): Spendable {
    const i = this.rng.int(this.unspent.length);
    const s = this.unspent[i]!;
    this.unspent[i] = this.unspent[this.unspent.length - 1]!;
    this.unspent.pop();
    return s;
  }

  /** Builds the next block (a coinbase with `coinbaseOutputs` outputs, then up to `count` payments) and reports it. */
  mine(count: number, coinbaseOutputs = 1): void {
    const parent = this.active[this.active.length - 1]!;
    const height = parent.height + 1;
    const coinbase = new Transaction({
      version: 2,
      inputs: [{ prevout: { txid: NULL_TXID, vout: 0xffffffff }, scriptSig: Uint8Array.of(3, height & 0xff, (height >> 8) & 0xff, height >> 16), sequence: SEQUENCE_FINAL, witness: [] }],
      outputs: Array.from({ length: coinbaseOutputs }, () => ({ value: 5_000_000n, scriptPubKey: this.script() })),
      locktime: 0,
    });
    const txs = [coinbase];
    const spent: Coin[][] = [];
    const created: Spendable[] = [];
    for (let i = 0; i < count && this.unspent.length >= 2; i++) {
      const ins = [this.take(), this.take()];
      const total = ins[0]!.coin.value + ins[1]!.coin.value - 500n;
      const tx = new Transaction({
        version: 2,
        inputs: ins.map((s) => ({ prevout: s.outpoint, scriptSig: new Uint8Array(0), sequence: SEQUENCE_FINAL, witness: this.witness })),
        outputs: [
          { value: total / 2n, scriptPubKey: this.script() },
          { value: total - total / 2n, scriptPubKey: this.script() },
        ],
        locktime: 0,
      });
      txs.push(tx);
      spent.push(ins.map((s) => s.coin));
      tx.outputs.forEach((o, vout) => created.push({ outpoint: { txid: tx.txid, vout }, coin: { value: o.value, scriptPubKey: o.scriptPubKey, height, coinbase: false } }));
    }
    coinbase.outputs.forEach((o, vout) => created.push({ outpoint: { txid: coinbase.txid, vout }, coin: { value: o.value, scriptPubKey: o.scriptPubKey, height, coinbase: true } }));
    this.unspent.push(...created);

    const header = new BlockHeader({ version: 4, prevHash: parent.hash, merkleRoot: new Uint8Array(32), time: parent.header.time + 600, bits: parent.header.bits, nonce: height });
    const block = new Block(header, txs);
    const entry: BlockEntry = { id: block.id, hash: block.hash, header, height, chainWork: parent.chainWork + 1n, parent, sequence: height, hasData: true, invalid: null, children: [] };
    parent.children.push(entry);
    this.active.push(entry);
    this.last = { id: entry.id, block, undo: { spent } };
    this.events.emit('blockConnected', { entry, block });
    this.events.emit('tipChanged', { tip: entry, previous: parent });
    this.events.emit('blockAccepted', { entry, block, status: 'connected' });
  }
}

interface Latency {
  p50: number;
  p99: number;
  max: number;
  count: number;
}

/** Times `run(arg)` for each argument after a warm-up over the first WARM_UP of them; milliseconds. */
function measureLatency<T>(args: readonly T[], run: (arg: T) => unknown): Latency {
  for (const a of args.slice(0, WARM_UP)) run(a);
  const ms: number[] = [];
  for (const a of args) {
    const t = performance.now();
    run(a);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const at = (p: number): number => ms[Math.min(ms.length - 1, Math.ceil((p / 100) * ms.length) - 1)]!;
  return { p50: at(50), p99: at(99), max: ms[ms.length - 1]!, count: ms.length };
}

const ms3 = (x: number): number => Math.round(x * 1000) / 1000;

function latencyFigure(name: string, l: Latency, baseline: Latency, baselineName: string, notes: string): Figure {
  return {
    name,
    unit: 'ms (p99)',
    value: ms3(l.p99),
    baseline: { name: baselineName, value: ms3(baseline.p99) },
    ratio: Math.round((l.p99 / baseline.p99) * 10) / 10,
    goal: 'p99 < 2 ms',
    met: l.p99 < 2,
    notes: `p50 ${ms3(l.p50)} ms, p99 ${ms3(l.p99)} ms, max ${ms3(l.max)} ms over ${l.count} queries (after ${WARM_UP} warm-up); ${notes}; ratio = query p99 / primary-key lookup p99 (lower is better)`,
  };
}

/** Builds the index through ExplorerIndex, one SQLite transaction per block, with progress on stderr. */
function buildIndex(path: string): { txs: number; seconds: number } {
  const start = performance.now();
  const chain = new StreamedChain(FORKLAB_SIM);
  const db = openIndexDatabase(path);
  try {
    const index = new ExplorerIndex(db, { schedule: () => {}, now: () => 0, maxTxsPerTransaction: PER_BLOCK });
    index.attach(VIEW, chain);
    for (let i = 0; i < 10; i++) chain.mine(0, 2000); // coins to spend: 20,000 outputs
    index.flush();
    for (let b = 1; b <= BLOCKS; b++) {
      chain.mine(PER_BLOCK);
      index.flush();
      if (b % 25 === 0 || b === BLOCKS) {
        const s = (performance.now() - start) / 1000;
        process.stderr.write(`bench queries: indexed ${b}/${BLOCKS} blocks, ${b * PER_BLOCK} txs in ${s.toFixed(1)} s\n`);
      }
    }
    index.close();
    const txs = Number(db.prepare('SELECT count(*) FROM txs').pluck().get());
    return { txs, seconds: (performance.now() - start) / 1000 };
  } finally {
    db.close();
  }
}

/**
 * Query latency through ExplorerQueries on a freshly reopened WAL index of about 1M transactions (as a
 * workspace is opened), against a primary-key lookup of a transaction row on the same database in the same run.
 */
export function benchQueries(): Figure[] {
  const dir = mkdtempSync(join(tmpdir(), 'forklab-bench-queries-'));
  let db: Database.Database | null = null;
  try {
    const path = join(dir, 'index.sqlite');
    const built = buildIndex(path);
    db = openIndexDatabase(path);
    const queries = new ExplorerQueries(db);
    const rng = new Rng('bench-queries-sample');
    const one = (sql: string): Database.Statement => db!.prepare(sql).pluck();
    const tipHeight = Number(one('SELECT max(height) FROM view_blocks').get());
    const maxTx = Number(one('SELECT max(id) FROM txs').get());
    const maxTxid = Number(one('SELECT max(id) FROM txids').get());
    const maxAddress = Number(one('SELECT max(id) FROM addresses').get());
    const blockHashes = (one('SELECT hash FROM blocks ORDER BY id').all() as Buffer[]).map((b) => b.toString('hex'));
    const txidAt = one('SELECT txid FROM txids WHERE id = ?');
    const addressAt = one('SELECT address FROM addresses WHERE id = ?');
    const randomTxid = (): string => (txidAt.get(1 + rng.int(maxTxid)) as Buffer).toString('hex');
    const sample = <T>(make: () => T): T[] => Array.from({ length: QUERIES }, make);

    const txRow = db.prepare('SELECT * FROM txs WHERE id = ?');
    const baseline = measureLatency(
      sample(() => 1 + rng.int(maxTx)),
      (id) => txRow.get(id),
    );
    const baselineName = 'SELECT * FROM txs WHERE id = ? (random id), same database and run';

    const heights = sample(() => rng.int(tipHeight + 1));
    const hashes = sample(() => blockHashes[rng.int(blockHashes.length)]!);
    const byHeight = measureLatency(heights, (h) => queries.block(VIEW, h));
    const byHash = measureLatency(hashes, (h) => queries.block(VIEW, h));
    const mixed = measureLatency(
      heights.map((h, i) => (i % 2 === 0 ? h : hashes[i]!)),
      (q) => queries.block(VIEW, q),
    );
    const tx = measureLatency(sample(randomTxid), (t) => queries.tx(VIEW, t));
    const address = measureLatency(
      sample(() => addressAt.get(1 + rng.int(maxAddress)) as string),
      (a) => queries.address(VIEW, a),
    );
    const search = measureLatency(
      sample(() => randomTxid().slice(0, 8)),
      (p) => queries.search(VIEW, p),
    );

    const outputs = Number(one('SELECT count(*) FROM outputs').get());
    const workspace =
      `index of ${built.txs} txs in ${tipHeight} blocks (${PER_BLOCK} two-in, two-out txs a block; ${outputs} outputs to ${maxAddress} p2wpkh addresses), ` +
      `built through ExplorerIndex in ${built.seconds.toFixed(0)} s, WAL, reopened before querying`;
    return [
      latencyFigure(
        'queries.block',
        mixed,
        baseline,
        baselineName,
        `half by height, half by hash; by height alone p50 ${ms3(byHeight.p50)} / p99 ${ms3(byHeight.p99)} ms, by hash alone p50 ${ms3(byHash.p50)} / p99 ${ms3(byHash.p99)} ms; ` +
          `a block lists all ${PER_BLOCK + 1} txids; ${workspace}`,
      ),
      latencyFigure('queries.tx', tx, baseline, baselineName, `random txid, with inputs' spent outputs and outputs' spenders; ${workspace}`),
      latencyFigure('queries.address', address, baseline, baselineName, `random address, first page of history (50), every UTXO; about ${Math.round(outputs / maxAddress)} outputs an address; ${workspace}`),
      latencyFigure('queries.search', search, baseline, baselineName, `8-hex prefix of a random txid; ${workspace}`),
    ];
  } finally {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${JSON.stringify(benchQueries(), null, 2)}\n`);

// A workspace: a directory holding forklab.json (the network) and index.sqlite (the explorer index, every block raw).

import Database from 'better-sqlite3';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError, RuleError } from '../core/errors.ts';
import type { NetworkParams } from '../core/params.ts';
import { ExplorerIndex } from '../indexer/ingest.ts';
import type { ExplorerQueries } from '../indexer/queries.ts';
import { APPLICATION_ID, IndexSchemaError, openIndexDatabase, SCHEMA_VERSION } from '../indexer/schema.ts';
import { Lab, type LabMode, type LabOptions } from '../network/lab.ts';
import { VirtualScheduler } from '../network/scheduler.ts';
import { latestBlockTime, replayView, storedViews } from './replay.ts';
import { restoreSteps, type RestoreProgress } from './restore.ts';
import { verifyIndex, type VerifyResult } from './verify.ts';
import type { VerifyWorkerData } from './verify-worker.ts';
import { workerExecArgv } from '../miner/pow-pool.ts';
import { VirtualMiners } from '../miner/virtual-miners.ts';
import { Worker } from 'node:worker_threads';
import { blockIntervalOf, parseSpec, readWorkspaceFile, WORKSPACE_FILE, workspaceParams, writeWorkspaceFile, type WorkspaceFile, type WorkspaceSpec } from './workspace-file.ts';
import { workerUrl } from '../worker-url.ts';

type Db = Database.Database;

export const INDEX_FILE = 'index.sqlite';
/** The table an export file carries forklab.json in (dropped again on import). */
const EXPORT_TABLE = 'forklab_workspace_file';

/** Opens a workspace's index for reading and writing; a refused file becomes one InputError line, unmodified. */
function openIndex(dir: string): Db {
  const path = join(dir, INDEX_FILE);
  if (!existsSync(path)) throw new InputError('not-a-workspace', `${dir}: expected a workspace (forklab.json and ${INDEX_FILE}), but ${INDEX_FILE} is missing`);
  try {
    return openIndexDatabase(path);
  } catch (e) {
    if (e instanceof IndexSchemaError) throw new InputError(e.code === 'newer-schema' ? 'newer-workspace' : 'corrupt-workspace', e.message);
    throw e;
  }
}

function checkWorkspaceDir(dir: string): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new InputError('not-a-workspace', `${dir}: no such directory`);
  }
  if (!isDir) throw new InputError('not-a-workspace', `${dir}: expected a workspace directory, got a file`);
  if (!existsSync(join(dir, WORKSPACE_FILE))) throw new InputError('not-a-workspace', `${dir}: expected a workspace directory (with ${WORKSPACE_FILE}), got a directory without one`);
}

/** Whether `dir` can become a new workspace: it does not exist, or it is an empty directory. */
export function isFreshDirectory(dir: string): boolean {
  if (!existsSync(dir)) return true;
  return statSync(dir).isDirectory() && readdirSync(dir).length === 0;
}

/**
 * Builds a directory's contents beside it and renames it into place, so a crash leaves either no workspace
 * or a whole one (rename(2) replaces an empty directory).
 */
function createAtomically(dir: string, fill: (tmp: string) => void): void {
  if (!isFreshDirectory(dir)) throw new InputError('workspace-exists', `${dir}: expected a new or empty directory, got one with files in it`);
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = mkdtempSync(join(dirname(dir), `.${basename(dir)}.creating-`));
  try {
    fill(tmp);
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

export interface WorkspaceOpenOptions {
  /**
   * 'virtual' (default): a discrete-event clock the caller drives. 'real': the wall clock, with real proof of
   * work by `realMiners` (kept a parameter so virtual runs never load worker code).
   */
  mode?: LabMode;
  realMiners?: LabOptions['realMiners'];
  /** Mining threads in real mode. */
  threads?: number;
}

/** A workspace being opened (Workspace.begin): readable now, open once `steps` has run to its end. */
export interface OpeningWorkspace {
  readonly dir: string;
  readonly file: WorkspaceFile;
  readonly db: Db;
  readonly lab: Lab;
  /** The index's queries: they answer from what is stored while the nodes are restored. */
  readonly queries: ExplorerQueries;
  /** Restores (or replays) every node, then lets the index follow them; yields progress between steps. */
  readonly steps: Generator<RestoreProgress, Workspace>;
  /** Gives up before `steps` is done: closes the lab and the index. */
  abandon(): Promise<void>;
}

/** Read-only access to a workspace's description and index, without rebuilding the network (queries, verify). */
export class WorkspaceIndex {
  readonly dir: string;
  readonly file: WorkspaceFile;
  readonly db: Db;
  readonly index: ExplorerIndex;

  private constructor(dir: string, file: WorkspaceFile, db: Db) {
    this.dir = dir;
    this.file = file;
    this.db = db;
    this.index = new ExplorerIndex(db, { schedule: () => {} });
    this.index.queries.setDefaultAddressPrefixes(workspaceParams(file));
  }

  static open(dir: string): WorkspaceIndex {
    const d = resolve(dir);
    checkWorkspaceDir(d);
    const file = readWorkspaceFile(join(d, WORKSPACE_FILE));
    return new WorkspaceIndex(d, file, openIndex(d));
  }

  get queries(): ExplorerQueries {
    return this.index.queries;
  }

  get params(): NetworkParams {
    return workspaceParams(this.file);
  }

  /** The node whose view answers when none is named: the first node of forklab.json. */
  get defaultNode(): string {
    return this.file.network.nodes[0]!.id;
  }

  verify(): VerifyResult {
    return verifyIndex(this.db, this.params);
  }

  close(): void {
    this.db.close();
  }
}

/**
 * An open workspace: the lab rebuilt from forklab.json, every node brought back to the tip its view had (restored
 * from the index, or replayed with full validation), and the index following every node.
 */
export class Workspace {
  readonly dir: string;
  readonly db: Db;
  readonly index: ExplorerIndex;
  readonly lab: Lab;
  private file: WorkspaceFile;
  private closed = false;

  private constructor(dir: string, file: WorkspaceFile, db: Db, lab: Lab, index: ExplorerIndex) {
    this.dir = dir;
    this.file = file;
    this.db = db;
    this.lab = lab;
    this.index = index;
  }

  /** Creates a workspace in a new or empty directory, atomically, and opens it. */
  static create(dir: string, spec: WorkspaceSpec): Workspace {
    const d = resolve(dir);
    const file = parseSpec(spec, 'workspace spec');
    createAtomically(d, (tmp) => {
      openIndexDatabase(join(tmp, INDEX_FILE)).close();
      writeWorkspaceFile(join(tmp, WORKSPACE_FILE), file);
    });
    return Workspace.open(d);
  }

  /**
   * Opens a workspace the way Bitcoin Core restarts: each node's view is restored from the index (every header
   * checked: linkage, proof of work, difficulty, timestamps; the top blocks read and checked context-free; the
   * UTXO set loaded), without connecting every stored block again. Blocks and undo data are read from the index
   * when a reorg needs them. `index verify` (and openReplaying) still replay every block with full validation.
   * Refuses (one InputError line, nothing modified) a path that is not a workspace directory, a newer format or
   * schema, or a corrupt forklab.json or index. Throws InputError 'bad-stored-block' when a stored header or a
   * checked block breaks a rule.
   */
  static open(dir: string, o: WorkspaceOpenOptions = {}): Workspace {
    return Workspace.openWith(dir, o, 'restore');
  }

  /** Opens a workspace replaying every stored best-chain and stale block with full validation (slow on a long chain). */
  static openReplaying(dir: string, o: WorkspaceOpenOptions = {}): Workspace {
    return Workspace.openWith(dir, o, 'replay');
  }

  private static openWith(dir: string, o: WorkspaceOpenOptions, how: 'restore' | 'replay'): Workspace {
    const opening = Workspace.begin(dir, o, how);
    for (;;) {
      const step = opening.steps.next();
      if (step.done) return step.value;
    }
  }

  /**
   * Opens a workspace in steps (as open, or as openReplaying with `how` 'replay'): the description, the index
   * and the lab are there at once, the nodes once `steps` has run to its end. With `reader`, the stored views are
   * read through a connection of their own, so the index's queries can run between steps. Refuses what open
   * refuses; a refusal from `steps` has closed everything again.
   */
  static begin(dir: string, o: WorkspaceOpenOptions = {}, how: 'restore' | 'replay' = 'restore', reader = false): OpeningWorkspace {
    const d = resolve(dir);
    checkWorkspaceDir(d);
    const file = readWorkspaceFile(join(d, WORKSPACE_FILE));
    const db = openIndex(d);
    let lab: Lab;
    let index: ExplorerIndex;
    try {
      lab = buildLab(file, o);
      // The clock starts no earlier than the newest stored block, or stored blocks would be time-too-new.
      if (lab.scheduler instanceof VirtualScheduler) lab.scheduler.runUntil(Math.max(file.clockMs, latestBlockTime(db) * 1000 + 1000));
      index = new ExplorerIndex(db, { schedule: () => {}, now: () => lab.now() });
      index.queries.setDefaultAddressPrefixes(lab.testnet.params);
    } catch (e) {
      db.close();
      throw e;
    }
    // The index closes at once (a refused open leaves the directory as it was), the lab's workers after.
    const closeAll = (): Promise<void> => {
      if (db.open) db.close();
      return lab.close();
    };
    function* steps(): Generator<RestoreProgress, Workspace> {
      const read = reader ? new Database(join(d, INDEX_FILE), { readonly: true, fileMustExist: true }) : db;
      try {
        const views = new Map(storedViews(read).map((v) => [v.name, v]));
        const targets = lab.testnet.allNodes().flatMap((node) => {
          const view = views.get(node.id);
          return view ? [{ view, chain: node.chain }] : [];
        });
        // Wallet keys ahead of use cost ~1.5 ms each: derived a few per step rather than in one block.
        for (const node of lab.testnet.allNodes()) {
          for (const wallet of node.wallets.values()) while (!wallet.deriveAhead(4)) yield { view: node.id, viewsDone: 0, views: targets.length };
        }
        if (how === 'restore') {
          try {
            yield* restoreSteps(read, targets, db);
          } catch (e) {
            if (e instanceof RuleError) throw new InputError('bad-stored-block', `${d}: ${e.message}`);
            throw e;
          }
        } else {
          for (const [i, { view, chain }] of targets.entries()) {
            yield { view: view.name, viewsDone: i, views: targets.length };
            const r = replayView(db, view, chain);
            if (r.problems.length > 0) throw new InputError('bad-stored-block', `${d}: ${r.problems[0]!}`);
          }
        }
        if (read !== db) read.close();
        done = true;
        // A restored view is the index's own: the index resumes it rather than stating it again.
        // Attaching re-states each replayed view (reset, then its chain): one transaction per view keeps that atomic.
        // Flushing after each attach also lets the next one see an empty queue, which resuming a view requires.
        for (const node of lab.testnet.allNodes()) {
          index.attach(node.id, node.chain, node.mempool, { resume: how === 'restore' });
          db.transaction(() => index.flush())();
        }
        // Each node asks its peers for headers past its restored tip, so one that was behind at close catches up now.
        for (const node of lab.testnet.allNodes()) for (const peer of lab.testnet.network.livePeersOf(node.id)) node.peerConnected(peer);
        return new Workspace(d, file, db, lab, index);
      } catch (e) {
        void closeAll();
        throw e;
      } finally {
        if (read !== db && read.open) read.close();
      }
    }
    let done = false;
    const gen = steps();
    const abandon = async (): Promise<void> => {
      if (done) return;
      gen.return(undefined as never);
      await closeAll();
    };
    return { dir: d, file, db, lab, queries: index.queries, steps: gen, abandon };
  }

  /** The parameter set a workspace directory names (forklab.json only; the index is not opened). */
  static peekParams(dir: string): WorkspaceFile['params'] {
    const d = resolve(dir);
    checkWorkspaceDir(d);
    return readWorkspaceFile(join(d, WORKSPACE_FILE)).params;
  }

  get spec(): WorkspaceFile {
    return this.file;
  }

  /** Changes the network forklab.json describes (what the next open rebuilds), with the checks of a new spec. */
  updateNetwork(change: (network: WorkspaceFile['network']) => WorkspaceFile['network']): void {
    const { format: _format, kind: _kind, clockMs, ...spec } = this.file;
    const checked = parseSpec({ ...spec, network: change(this.file.network) }, 'workspace network');
    this.file = { ...checked, clockMs };
    writeWorkspaceFile(join(this.dir, WORKSPACE_FILE), this.file);
  }

  get params(): NetworkParams {
    return workspaceParams(this.file);
  }

  get queries(): ExplorerQueries {
    return this.index.queries;
  }

  /** Commits everything the index has queued (each chunk one transaction, ending only at consistent points). */
  flush(): void {
    this.index.flush();
  }

  /** Records the traffic rate and the current virtual clock in forklab.json. */
  /** Mean seconds between blocks this workspace aims for (see WorkspaceFile.blockInterval). */
  get blockInterval(): number {
    return blockIntervalOf(this.file);
  }

  /**
   * Paces a virtual-time workspace's miners at one block per `seconds` on average, from now on, and saves it. A
   * real proof-of-work workspace refuses: there the interval is the consensus target spacing, fixed at creation.
   */
  setBlockInterval(seconds: number): void {
    const miners = this.lab.miners;
    if (this.file.params !== 'forklab-sim' || !(miners instanceof VirtualMiners)) {
      throw new InputError('consensus-rule', `${this.dir}: the block interval of a real proof-of-work workspace is its consensus target spacing (${this.blockInterval} s), fixed when it was created`);
    }
    if (!(seconds >= 0.5 && seconds <= 3600)) throw new InputError('bad-block-interval', `block interval: expected 0.5 to 3600 seconds, got ${seconds}`);
    miners.setSpacing(seconds * 1000);
    this.file = { ...this.file, blockInterval: seconds };
    this.save();
  }

  save(traffic?: { rate: number }): void {
    this.file = { ...this.file, ...(traffic ? { traffic } : {}), clockMs: Math.round(this.lab.now()) };
    writeWorkspaceFile(join(this.dir, WORKSPACE_FILE), this.file);
  }

  verify(): VerifyResult {
    this.flush();
    return verifyIndex(this.db, this.params);
  }

  /** As verify(), on a worker thread over a read-only connection, so the caller's thread keeps running. */
  verifyInWorker(): Promise<VerifyResult> {
    this.flush();
    const worker = new Worker(workerUrl('index-verify-worker', new URL('./verify-worker.ts', import.meta.url)), {
      workerData: { indexFile: join(this.dir, INDEX_FILE), params: this.file.params, blockInterval: this.file.blockInterval } satisfies VerifyWorkerData,
      execArgv: workerExecArgv(),
      name: 'index-verify',
    });
    return new Promise((resolveResult, reject) => {
      worker.once('message', (m: { ok: true; result: VerifyResult } | { ok: false; message: string }) => (m.ok ? resolveResult(m.result) : reject(new Error(`index verify: ${m.message}`))));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`index verify: worker exited with code ${code}`)));
    });
  }

  /**
   * Writes the workspace as one file: a compacted SQLite copy of the index (VACUUM INTO, a consistent
   * snapshot) with forklab.json in the table forklab_workspace_file. Written beside `path` and renamed in.
   */
  exportTo(path: string): void {
    this.flush();
    const target = resolve(path);
    if (existsSync(target)) throw new InputError('file-exists', `${target}: already exists; expected a new file to export to`);
    if (!existsSync(dirname(target))) throw new InputError('no-such-directory', `${dirname(target)}: no such directory to export into`);
    const tmp = `${target}.tmp-${process.pid}`;
    rmSync(tmp, { force: true });
    try {
      this.db.prepare('VACUUM INTO ?').run(tmp);
      const out = new Database(tmp);
      try {
        out.exec(`CREATE TABLE ${EXPORT_TABLE} (name TEXT PRIMARY KEY, content TEXT NOT NULL)`);
        out.prepare(`INSERT INTO ${EXPORT_TABLE} (name, content) VALUES (?, ?)`).run(WORKSPACE_FILE, JSON.stringify({ ...this.file, clockMs: Math.round(this.lab.now()) }));
      } finally {
        out.close();
      }
      renameSync(tmp, target);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }

  /** Makes a workspace in a new or empty directory from an export file (nothing is written if the file is refused). */
  static importFrom(path: string, dir: string): Workspace {
    const source = resolve(path);
    const d = resolve(dir);
    if (!existsSync(source)) throw new InputError('not-an-export', `${source}: no such file`);
    if (!isFreshDirectory(d)) throw new InputError('workspace-exists', `${d}: expected a new or empty directory, got one with files in it`);
    const file = readExport(source);
    createAtomically(d, (tmp) => {
      const src = new Database(source, { readonly: true, fileMustExist: true });
      try {
        src.prepare('VACUUM INTO ?').run(join(tmp, INDEX_FILE));
      } finally {
        src.close();
      }
      const db = new Database(join(tmp, INDEX_FILE));
      try {
        db.exec(`DROP TABLE ${EXPORT_TABLE}`);
      } finally {
        db.close();
      }
      openIndexDatabase(join(tmp, INDEX_FILE)).close();
      writeWorkspaceFile(join(tmp, WORKSPACE_FILE), file);
      readWorkspaceFile(join(tmp, WORKSPACE_FILE)); // the embedded file passes the same checks as one on disk
    });
    return Workspace.open(d);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.index.close();
    await this.lab.close();
    this.db.close();
  }
}

/** Reads forklab.json out of an export file, refusing anything that is not a Forklab export this version reads. */
function readExport(path: string): WorkspaceFile {
  let db: Db;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new InputError('not-an-export', `${path}: cannot open (${(e as Error).message})`);
  }
  try {
    let appId: number;
    let version: number;
    try {
      appId = Number(db.pragma('application_id', { simple: true }));
      version = Number(db.pragma('user_version', { simple: true }));
    } catch {
      throw new InputError('not-an-export', `${path}: expected a Forklab workspace export, got a file that is not SQLite`);
    }
    if (appId !== APPLICATION_ID) throw new InputError('not-an-export', `${path}: expected a Forklab workspace export, got application_id ${appId}`);
    if (version > SCHEMA_VERSION) throw new InputError('newer-workspace', `${path}: index schema version ${version} is newer than this Forklab understands (${SCHEMA_VERSION})`);
    let text: string | undefined;
    try {
      text = db.prepare(`SELECT content FROM ${EXPORT_TABLE} WHERE name = ?`).pluck().get(WORKSPACE_FILE) as string | undefined;
    } catch {
      text = undefined;
    }
    if (text === undefined) throw new InputError('not-an-export', `${path}: a Forklab index without ${WORKSPACE_FILE}; expected a workspace export`);
    try {
      return JSON.parse(text) as WorkspaceFile;
    } catch {
      throw new InputError('not-an-export', `${path}: its ${WORKSPACE_FILE} does not parse (corrupt export)`);
    }
  } finally {
    db.close();
  }
}

/**
 * The lab forklab.json describes (virtual mode unless `o.mode` says 'real'): nodes with their miners, then the
 * topology and extra links.
 */
export function buildLab(file: WorkspaceFile, o: WorkspaceOpenOptions = {}): Lab {
  const n = file.network;
  const mode = o.mode ?? 'virtual';
  if (mode === 'real' && !o.realMiners) throw new Error('buildLab: real mode needs a realMiners factory');
  const lab = Lab.custom({
    mode,
    seed: file.seed,
    params: workspaceParams(file),
    ...(mode === 'virtual' ? { spacingMs: blockIntervalOf(file) * 1000 } : {}),
    nodes: n.nodes,
    ...(n.banThreshold !== undefined ? { banThreshold: n.banThreshold } : {}),
    ...(o.realMiners ? { realMiners: o.realMiners } : {}),
    ...(o.threads !== undefined ? { threads: o.threads } : {}),
  });
  const ids = n.nodes.map((x) => x.id);
  const net = lab.testnet.network;
  if (n.topology === 'full-mesh') net.fullMesh(ids, n.link);
  else if (n.topology === 'ring') net.ring(ids, n.link);
  else if (typeof n.topology === 'object') net.randomRegular(ids, n.topology.random, n.link);
  for (const { a, b, ...opts } of n.links) {
    const existing = net.link(a, b);
    if (existing) Object.assign(existing, opts);
    else net.connect(a, b, { ...n.link, ...opts });
  }
  return lab;
}

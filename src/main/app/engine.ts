// The engine the app and the headless server share: one open workspace with its network running (real proof of
// work in worker threads, or virtual time paced to the wall clock), the index following it, jobs, and push events.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AppStatus, Events, NodeStatus, Topology, WorkspaceInfo } from '../../shared/api.ts';
import { InputError } from '../core/errors.ts';
import { Emitter } from '../core/events.ts';
import { Provenance } from '../indexer/provenance.ts';
import { createRealTimeMiners, RealTimeMiners } from '../miner/real-miners.ts';
import { ATTACKER } from '../network/lab.ts';
import { VirtualScheduler } from '../network/scheduler.ts';
import type { Node } from '../node/node.ts';
import type { ExplorerQueries } from '../indexer/queries.ts';
import { storedTips } from '../workspace/replay.ts';
import type { RestoreProgress } from '../workspace/restore.ts';
import { isFreshDirectory, Workspace, type OpeningWorkspace } from '../workspace/workspace.ts';
import { blockIntervalOf, type WorkspaceSpec } from '../workspace/workspace-file.ts';
import { JobManager } from './jobs.ts';

export interface EngineOptions {
  /** Where the default workspace and the list of recent workspaces live. */
  home: string;
  /** Proof-of-work threads in real mode (2 by default). */
  threads?: number;
  /** Start the miners when a workspace opens (true by default). */
  autoMine?: boolean;
  /** Payments per second of the traffic generator when a workspace opens, unless the workspace says otherwise. */
  traffic?: number;
  /** How often the index commits what it queued, ms. */
  flushMs?: number;
  /**
   * Parameters of the default workspace when it is first created: 'forklab' (real proof of work, the default) or
   * 'forklab-sim' (virtual time paced to the wall clock: light on the CPU, attacks complete at once).
   */
  defaultParams?: 'forklab' | 'forklab-sim';
}

/** The network a new workspace gets: four honest nodes and an attacker node without hash power, all linked. */
export const DEFAULT_NETWORK: NonNullable<WorkspaceSpec['network']> = {
  nodes: [
    { id: 'h0', share: 0.25 },
    { id: 'h1', share: 0.25 },
    { id: 'h2', share: 0.25 },
    { id: 'h3', share: 0.25 },
    { id: ATTACKER, share: 0 },
  ],
  topology: 'full-mesh',
  link: { latencyMs: 100, jitterMs: 50 },
  links: [],
};

const RECENT_FILE = 'recent.json';
const MAX_RECENT = 10;
const STATUS_MS = 1_000;
const PACE_MS = 50;
const YIELD_EVERY_MS = 20;
/**
 * Restoring hands the event loop back more often: while a workspace opens, the renderer's files and first queries
 * are served between slices, and each one waits for the slice under way.
 */
const RESTORE_SLICE_MS = 8;

/** The user's data directory for Forklab: FORKLAB_HOME, else the platform's per-user data directory. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.FORKLAB_HOME) return resolve(env.FORKLAB_HOME);
  const home = env.HOME ?? env.USERPROFILE ?? '.';
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Forklab');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Forklab');
  return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'forklab');
}

export class Engine {
  readonly events = new Emitter<{ [K in keyof Events]: Events[K] }>();
  readonly jobs = new JobManager();
  readonly home: string;
  private readonly o: Required<Omit<EngineOptions, 'home'>>;
  private ws: Workspace | null = null;
  private provenance: Provenance | null = null;
  /** The workspace being opened: its index answers queries while its nodes are restored. */
  private opening: { ow: OpeningWorkspace; provenance: Provenance; progress: RestoreProgress | null; tips: ReturnType<typeof storedTips> } | null = null;
  private timers: NodeJS.Timeout[] = [];
  /** Tip changes waiting for the index flush that commits them (see flush). */
  private tipsToPush: Events['tip'][] = [];
  private unsubscribe: (() => void)[] = [];
  /** Serialises opening and closing workspaces. */
  private switching: Promise<unknown> = Promise.resolve();

  constructor(o: EngineOptions) {
    this.home = resolve(o.home);
    this.o = { threads: o.threads ?? 2, autoMine: o.autoMine ?? true, traffic: o.traffic ?? 0.5, flushMs: o.flushMs ?? 200, defaultParams: o.defaultParams ?? 'forklab' };
    this.jobs.events.on('job.progress', (p) => this.events.emit('job.progress', p));
    this.jobs.events.on('job.done', (d) => this.events.emit('job.done', d));
  }

  get workspace(): Workspace {
    if (this.ws) return this.ws;
    const o = this.opening;
    if (o) {
      const where = o.progress ? `: restoring node ${o.progress.view}, ${o.progress.viewsDone} of ${o.progress.views} done` : '';
      throw new InputError('workspace-opening', `${o.ow.dir} is still opening${where}; the explorer answers meanwhile, the network once it is open`);
    }
    throw new InputError('no-workspace', 'no workspace is open: open or create one first');
  }

  /** The explorer queries of the open workspace, or of the one opening (they answer from what the index stored). */
  get queries(): ExplorerQueries {
    return this.ws?.queries ?? this.opening?.ow.queries ?? this.workspace.queries;
  }

  get provenanceIndex(): Provenance {
    const p = this.provenance ?? this.opening?.provenance;
    if (!p) throw new InputError('no-workspace', 'no workspace is open: open or create one first');
    return p;
  }

  get defaultDir(): string {
    return join(this.home, 'workspaces', 'default');
  }

  /** Opens the default workspace, creating it (the default network, `defaultParams`) on first use. */
  openDefault(): Promise<WorkspaceInfo> {
    const dir = this.defaultDir;
    if (isFreshDirectory(dir)) return this.create(dir, 'default', this.o.defaultParams);
    return this.open(dir);
  }

  create(dir: string, name: string, params: 'forklab' | 'forklab-sim', blockInterval?: number): Promise<WorkspaceInfo> {
    if (!isFreshDirectory(resolve(dir))) throw new InputError('workspace-exists', `${resolve(dir)}: expected a new or empty directory, got one with files in it`);
    return this.switchTo(() => {
      const seed = `${name}-${Date.now().toString(36)}`;
      const spec = { name, params, seed, network: DEFAULT_NETWORK, traffic: { rate: this.o.traffic }, ...(blockInterval !== undefined ? { blockInterval } : {}) };
      const ws = Workspace.create(resolve(dir), spec);
      return ws;
    });
  }

  open(dir: string): Promise<WorkspaceInfo> {
    // Refuse what is not a workspace before closing the one that is open.
    Workspace.peekParams(dir);
    return this.switchTo(() => null, resolve(dir));
  }

  importFrom(path: string, dir: string): Promise<WorkspaceInfo> {
    if (!existsSync(resolve(path))) throw new InputError('not-an-export', `${resolve(path)}: no such file`);
    if (!isFreshDirectory(resolve(dir))) throw new InputError('workspace-exists', `${resolve(dir)}: expected a new or empty directory, got one with files in it`);
    return this.switchTo(() => {
      const ws = Workspace.importFrom(resolve(path), resolve(dir));
      return ws;
    });
  }

  /**
   * Closes the open workspace and opens another. `make` creates or imports one (its virtual-mode handle is closed
   * and the directory reopened in the right mode); `dir` opens an existing one. On failure the engine is left with
   * no workspace open and the error propagates (the directory is not modified by a refused open).
   */
  private switchTo(make: () => Workspace | null, dir?: string): Promise<WorkspaceInfo> {
    const next = this.switching.then(async () => {
      await this.closeWorkspace();
      let target = dir;
      const made = make();
      if (made) {
        target = made.dir;
        await made.close();
      }
      const { ws, provenance } = await this.restore(beginInMode(target!, this.o.threads));
      this.attach(ws, provenance);
      this.remember(this.info()!);
      this.events.emit('workspace.changed', this.info());
      return this.info()!;
    });
    this.switching = next.catch(() => undefined);
    return next;
  }

  /**
   * Runs a workspace's opening steps a slice at a time, handing the event loop back between slices so requests
   * keep being answered: meanwhile the status shows each node as the index stored it, and explorer queries
   * answer from the index. Returns the workspace and the provenance reader that answered meanwhile (same
   * connection: its statements stay prepared and its pages cached).
   */
  private async restore(ow: OpeningWorkspace): Promise<{ ws: Workspace; provenance: Provenance }> {
    const opening = { ow, provenance: new Provenance(ow.db), progress: null as RestoreProgress | null, tips: storedTips(ow.db) };
    this.opening = opening;
    this.events.emit('workspace.changed', this.info());
    let lastStatus = 0;
    try {
      let sliceStart = Date.now();
      for (;;) {
        const step = ow.steps.next();
        if (step.done) return { ws: step.value, provenance: opening.provenance };
        opening.progress = step.value;
        if (Date.now() - sliceStart < RESTORE_SLICE_MS) continue;
        if (Date.now() - lastStatus >= STATUS_MS / 4) {
          this.events.emit('status', this.status());
          lastStatus = Date.now();
        }
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = Date.now();
      }
    } catch (e) {
      await ow.abandon();
      this.events.emit('workspace.changed', null);
      throw e;
    } finally {
      this.opening = null;
    }
  }

  private attach(ws: Workspace, provenance: Provenance): void {
    this.ws = ws;
    this.provenance = provenance;
    for (const node of ws.lab.testnet.allNodes()) this.watchNode(node);
    const lab = ws.lab;
    if (lab.scheduler instanceof VirtualScheduler) {
      // Virtual time runs at wall-clock speed from where the workspace left off; attacks fast-forward it, handing
      // the event loop back every few milliseconds so requests keep being answered.
      lab.yieldEveryMs = YIELD_EVERY_MS;
      const scheduler = lab.scheduler;
      let last = Date.now();
      this.timers.push(
        setInterval(() => {
          const now = Date.now();
          scheduler.runUntil(scheduler.now() + (now - last));
          last = now;
        }, PACE_MS),
      );
    }
    this.timers.push(setInterval(() => this.flush(), this.o.flushMs));
    this.timers.push(setInterval(() => this.events.emit('status', this.status()), STATUS_MS));
    if (this.o.autoMine) lab.miners.start();
    const rate = ws.spec.traffic.rate;
    if (rate > 0) lab.startTraffic({ rate });
  }

  private watchNode(node: Node): void {
    let pendingReorg: number | null = null;
    this.unsubscribe.push(
      node.chain.events.on('reorg', (e) => (pendingReorg = e.depth)),
      node.chain.events.on('tipChanged', (e) => {
        this.tipsToPush.push({ node: node.id, height: e.tip.height, hash: e.tip.id, ...(pendingReorg !== null ? { reorg: pendingReorg } : {}) });
        pendingReorg = null;
      }),
    );
  }

  /**
   * Commits what the index queued, then pushes the tip changes it holds: a view that refetches on a tip event
   * finds the new tip in the index (pushed at once, a block page read the index before its block was in it). A
   * failed flush is a bug worth seeing, not a reason to stop the network.
   */
  flush(): void {
    try {
      this.ws?.flush();
    } catch (e) {
      console.error('index flush failed:', e);
    }
    const tips = this.tipsToPush;
    this.tipsToPush = [];
    for (const t of tips) this.events.emit('tip', t);
  }

  private async closeWorkspace(): Promise<void> {
    const ws = this.ws;
    if (!ws) return;
    await this.jobs.cancelAll();
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    this.tipsToPush = [];
    ws.lab.traffic?.stop();
    await ws.lab.miners.stop();
    ws.flush();
    ws.save(ws.lab.traffic ? { rate: ws.spec.traffic.rate } : undefined);
    const miners = ws.lab.miners;
    await ws.close();
    if (miners instanceof RealTimeMiners) await miners.close();
    this.ws = null;
    this.provenance = null;
  }

  async close(): Promise<void> {
    await this.switching;
    await this.closeWorkspace();
    this.events.emit('workspace.changed', null);
  }

  info(): WorkspaceInfo | null {
    const ws = this.ws ?? this.opening?.ow;
    if (!ws) return null;
    const file = ws instanceof Workspace ? ws.spec : ws.file;
    return { dir: ws.dir, name: file.name, params: file.params, mode: ws.lab.mode };
  }

  recent(): WorkspaceInfo[] {
    try {
      const list = JSON.parse(readFileSync(join(this.home, RECENT_FILE), 'utf8')) as unknown;
      if (!Array.isArray(list)) return [];
      return list.filter((x): x is WorkspaceInfo => typeof x === 'object' && x !== null && typeof (x as WorkspaceInfo).dir === 'string' && existsSync((x as WorkspaceInfo).dir));
    } catch {
      return [];
    }
  }

  private remember(info: WorkspaceInfo): void {
    const list = [info, ...this.recent().filter((x) => x.dir !== info.dir)].slice(0, MAX_RECENT);
    mkdirSync(this.home, { recursive: true });
    writeFileSync(join(this.home, RECENT_FILE), `${JSON.stringify(list, null, 2)}\n`);
  }

  node(id: string): Node {
    const testnet = (this.ws ?? this.opening?.ow ?? this.workspace).lab.testnet;
    if (!testnet.ids().includes(id)) throw new InputError('unknown-node', `unknown node ${JSON.stringify(id)}: expected one of ${testnet.ids().join(', ')}`);
    return testnet.node(id);
  }

  nodeStatus(node: Node): NodeStatus {
    const lab = (this.ws ?? this.opening?.ow ?? this.workspace).lab;
    const tip = node.chain.tip;
    const miner = lab.miners.get(`miner-${node.id}`);
    const stored = this.opening?.tips.get(node.id);
    return {
      id: node.id,
      running: node.running && !this.opening,
      restoring: this.opening !== null,
      height: stored?.height ?? tip.height,
      tip: stored?.hash ?? tip.id,
      tipTime: stored?.time ?? tip.header.time,
      mempool: { count: node.mempool.size, vsize: node.mempool.vsize },
      peers: lab.testnet.network.livePeersOf(node.id),
      banned: [...node.banned].map(([peer, code]) => ({ peer, code })),
      share: miner?.share ?? 0,
      blocksFound: miner?.blocksFound ?? 0,
    };
  }

  status(): AppStatus {
    const ws = this.ws;
    const none = { rate: 0, sent: 0, refused: 0, noFunds: 0 };
    const o = this.opening;
    if (o) {
      const lab = o.ow.lab;
      return {
        workspace: this.info(),
        now: lab.now(),
        mining: false,
        hashRate: 0,
        traffic: none,
        blockInterval: { seconds: blockIntervalOf(o.ow.file), adjustable: o.ow.file.params === 'forklab-sim' },
        opening: o.progress ?? { view: '', viewsDone: 0, views: lab.testnet.allNodes().length },
        nodes: lab.testnet.allNodes().map((n) => this.nodeStatus(n)),
        jobs: this.jobs.list(),
      };
    }
    if (!ws) return { workspace: null, now: Date.now(), mining: false, hashRate: 0, traffic: none, blockInterval: { seconds: 0, adjustable: false }, opening: null, nodes: [], jobs: this.jobs.list() };
    const lab = ws.lab;
    const miners = lab.miners;
    return {
      workspace: this.info(),
      now: lab.now(),
      mining: miners.running,
      hashRate: miners instanceof RealTimeMiners ? Math.round(miners.hashRate()) : 0,
      traffic: lab.traffic ? { rate: ws.spec.traffic.rate, ...lab.traffic.stats } : none,
      blockInterval: { seconds: ws.blockInterval, adjustable: ws.spec.params === 'forklab-sim' },
      opening: null,
      nodes: lab.testnet.allNodes().map((n) => this.nodeStatus(n)),
      jobs: this.jobs.list(),
    };
  }

  topology(): Topology {
    const lab = this.workspace.lab;
    const net = lab.testnet.network;
    return {
      nodes: lab.testnet.allNodes().map((n) => ({ id: n.id, running: n.running, share: lab.miners.get(`miner-${n.id}`)?.share ?? 0, banned: [...n.banned].map(([peer, code]) => ({ peer, code })) })),
      links: net.allLinks().map((l) => ({ a: l.a, b: l.b, up: l.up, latencyMs: l.latencyMs, jitterMs: l.jitterMs, loss: l.loss })),
    };
  }

  /** Sets miners' shares (0 removes a miner); the total stays at most 1. Persisted in forklab.json. */
  setShares(shares: Record<string, number>): void {
    const lab = this.workspace.lab;
    for (const id of Object.keys(shares)) this.node(id);
    const current = Object.fromEntries(lab.testnet.ids().map((id) => [id, lab.miners.get(`miner-${id}`)?.share ?? 0]));
    const next = { ...current, ...shares };
    const total = Object.values(next).reduce((a, b) => a + b, 0);
    if (total > 1 + 1e-9) throw new InputError('bad-shares', `hash-power shares: expected a total of at most 1, got ${total.toFixed(3)}`);
    for (const [id, share] of Object.entries(next)) {
      const miner = lab.miners.get(`miner-${id}`);
      if (share <= 0) {
        if (miner) lab.miners.remove(miner.id);
      } else if (miner) miner.share = share;
      else lab.miners.add({ id: `miner-${id}`, node: id, share });
    }
    this.workspace.updateNetwork((n) => ({ ...n, nodes: n.nodes.map((x) => ({ ...x, share: next[x.id] ?? x.share })) }));
  }

  setTraffic(rate: number): void {
    const ws = this.workspace;
    if (rate === 0) {
      ws.lab.traffic?.stop();
      ws.lab.traffic = null;
    } else if (ws.lab.traffic) ws.lab.traffic.configure({ rate });
    else ws.lab.startTraffic({ rate });
    ws.save({ rate });
  }

  /** Forgets every ban and links each pair again (a ban removed the link), as Bitcoin Core's clearbanned. */
  clearBans(): void {
    const ws = this.workspace;
    const testnet = ws.lab.testnet;
    for (const node of testnet.allNodes()) {
      for (const peer of [...node.banned.keys()]) {
        node.banned.delete(peer);
        if (testnet.ids().includes(peer)) testnet.connect(node.id, peer, ws.spec.network.link);
      }
    }
  }

  /** Adds a node linked to every other node, with a miner when `share` > 0, and indexes its view. */
  addNode(id: string, share: number): Node {
    const ws = this.workspace;
    const lab = ws.lab;
    // Check the share against the others before anything changes.
    const others = lab.miners.all().reduce((sum, m) => sum + m.share, 0);
    if (others + share > 1 + 1e-9) throw new InputError('bad-shares', `hash-power shares: expected a total of at most 1, got ${(others + share).toFixed(3)} with ${id}`);
    const node = lab.testnet.addNode(id);
    const link = ws.spec.network.link;
    for (const other of lab.testnet.ids()) if (other !== id) lab.testnet.connect(id, other, link);
    ws.index.attach(id, node.chain, node.mempool);
    this.watchNode(node);
    ws.updateNetwork((n) => ({ ...n, nodes: [...n.nodes, { id, share: 0 }] }));
    if (share > 0) this.setShares({ [id]: share });
    return node;
  }
}

/**
 * Begins opening a workspace in the mode its parameters call for (forklab mines for real, forklab-sim in paced
 * virtual time), with the views read through a connection of their own so the index answers meanwhile.
 */
function beginInMode(dir: string, threads: number): OpeningWorkspace {
  const probe = Workspace.peekParams(dir);
  return Workspace.begin(dir, probe === 'forklab' ? { mode: 'real', realMiners: createRealTimeMiners, threads } : {}, 'restore', true);
}

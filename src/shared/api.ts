// The one contract between the engine and the renderer: every method with its argument schema and result type,
// and every push event. The main side validates each call with these schemas whatever the transport (Electron
// IPC, or the headless server's WebSocket); the renderer reaches the engine only through it.

import { z } from 'zod';
import type {
  AddressInfo,
  Ancestry,
  AttackReportRecord,
  AttackReportSummary,
  BlockInfo,
  BlockSummary,
  BlockViewStatus,
  ChainTip,
  Descendants,
  MempoolInfo,
  ReorgRecord,
  SearchResult,
  Taint,
  TreeBlock,
  TxInfo,
  TxViewStatus,
} from './explorer.ts';

export type * from './explorer.ts';

/** What travels: bigint amounts become decimal strings (JSON has no bigint); everything else is plain data. */
export type Wire<T> = T extends bigint
  ? string
  : T extends (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

const nodeId = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'expected a node id (1-32 letters, digits, _ or -)');
const hash = z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex characters');
const coin = z.string().regex(/^[0-9a-fA-F]{64}:\d{1,10}$/, 'expected txid:vout');
const limit = (max: number, dflt: number) => z.number().int().min(1).max(max).default(dflt);
const path = z.string().min(1).max(4096);

/** A node as the dashboard shows it. */
export interface NodeStatus {
  id: string;
  running: boolean;
  height: number;
  tip: string;
  /** Seconds, the tip's header time. */
  tipTime: number;
  mempool: { count: number; vsize: number };
  peers: string[];
  /** Peers this node has banned, with the rule code. */
  banned: { peer: string; code: string }[];
  /** Hash-power share of the node's miner (0 without one). */
  share: number;
  blocksFound: number;
  /**
   * True while the workspace opens and this node is restored from the index: height, tip and tip time are then
   * what the index stored for its view, and the node does not run yet.
   */
  restoring: boolean;
}

export interface WorkspaceInfo {
  dir: string;
  name: string;
  params: string;
  /** 'real': wall clock and real proof of work; 'virtual': a discrete-event clock paced to the wall clock. */
  mode: 'real' | 'virtual';
}

export interface AppStatus {
  workspace: WorkspaceInfo | null;
  /** Lab clock, milliseconds. */
  now: number;
  mining: boolean;
  /** Hashes per second over the last few seconds (real mode), else 0. */
  hashRate: number;
  traffic: { rate: number; sent: number; refused: number; noFunds: number };
  /**
   * Mean seconds between blocks the network aims for. `adjustable`: mining.setBlockInterval can change it now
   * (virtual time); otherwise it is the consensus target spacing, fixed at creation (real proof of work).
   */
  blockInterval: { seconds: number; adjustable: boolean };
  /** While the workspace opens: the view being restored, and how many of all are done. Null once it is open. */
  opening: { view: string; viewsDone: number; views: number } | null;
  nodes: NodeStatus[];
  /** Jobs running now. */
  jobs: JobInfo[];
}

export interface TopologyLink {
  a: string;
  b: string;
  up: boolean;
  latencyMs: number;
  jitterMs: number;
  loss: number;
}

export interface Topology {
  nodes: { id: string; running: boolean; share: number; banned: { peer: string; code: string }[] }[];
  links: TopologyLink[];
}

export interface WalletSummary {
  node: string;
  address: string;
  confirmed: bigint;
  unconfirmed: bigint;
  immature: bigint;
}

export interface AttackInfo {
  name: string;
  title: string;
  summary: string;
  /** JSON Schema of the parameters (the form is built from it). */
  params: unknown;
}

export type JobKind = 'attack' | 'generate' | 'sim' | 'verify';

export interface JobInfo {
  id: number;
  kind: JobKind;
  title: string;
  /** 0..1 when known. */
  fraction: number | null;
  phase: string;
  message: string;
}

export interface JobProgress extends JobInfo {
  data?: Record<string, unknown>;
}

export interface JobDone {
  id: number;
  kind: JobKind;
  title: string;
  ok: boolean;
  cancelled: boolean;
  result?: unknown;
  error?: ApiError;
  /** The stored attack report, for attack jobs. */
  reportId?: number;
}

export interface TheoryPoint {
  z: number;
  nakamoto: number;
  exact: number;
}

export interface GeneralsResult {
  algo: 'om' | 'sm';
  n: number;
  m: number;
  traitors: number[];
  order: 'attack' | 'retreat';
  decisions: Record<string, 'attack' | 'retreat'>;
  ic1: boolean;
  ic2: boolean;
  messages: number;
  /** SM only: messages discarded because their signature chain did not check out. */
  rejected: number;
  rounds: number;
  /**
   * Every message, round by round. OM: `path` is the chain of relays the value came through. SM: `signers` is
   * the signature chain, and `rejected` why the receiver discarded it (null when accepted).
   */
  trace: { round: number; from: number; to: number; order: 'attack' | 'retreat'; path?: number[]; signers?: number[]; rejected?: string | null }[];
}

export interface ReplicaOutcome {
  strawman: number;
  rule: string;
  replicas: number;
  f: number;
  faulty: number;
  behaviour: 'lie' | 'silent' | 'fast';
  waitsFor: number;
  needs: number;
  replies: { replica: number; faulty: boolean; value: string }[];
  read: number;
  outcome: 'correct' | 'wrong' | 'stuck';
  value: string | null;
  explanation: string;
}

export interface GeneralsSearchResult {
  cases: number;
  violation: { traitors: number[]; strategy: string; order: string; decisions: Record<string, string> } | null;
}

/** A method: its argument schema, and (as a phantom) its result type: `method<Result>()(schema)`. */
function method<R>() {
  return <P extends z.ZodType>(params: P): { params: P; result?: R } => ({ params });
}

const none = z.object({}).strict();
const view = { node: nodeId };

export const methods = {
  'app.status': method<AppStatus>()(none),

  'explorer.views': method<string[]>()(none),
  'explorer.latestBlocks': method<BlockSummary[]>()(
    z.object({ ...view, before: z.number().int().min(0).optional(), limit: limit(1000, 25) }).strict(),
  ),
  'explorer.block': method<BlockInfo | null>()(
    z.object({ ...view, id: z.union([z.number().int().min(0), hash]), txLimit: limit(500, 25), txAfter: z.number().int().min(0).optional() }).strict(),
  ),
  'explorer.tx': method<TxInfo | null>()(z.object({ ...view, txid: hash }).strict()),
  /** Every view's status of a stored block, by hash (view order): explorer.block's status, code and confirmations, without the block. */
  'explorer.blockViews': method<BlockViewStatus[]>()(z.object({ hash }).strict()),
  /** Every view's state of a transaction (view order): confirmed, in its mempool, only in stale blocks, or unknown. */
  'explorer.txViews': method<TxViewStatus[]>()(z.object({ txid: hash }).strict()),
  'explorer.address': method<AddressInfo | null>()(
    z.object({ ...view, address: z.string().min(1).max(100), before: z.string().max(200).optional(), limit: limit(500, 25) }).strict(),
  ),
  'explorer.search': method<SearchResult[]>()(z.object({ ...view, q: z.string().max(200) }).strict()),
  'explorer.mempool': method<MempoolInfo>()(z.object({ ...view, limit: limit(1000, 50) }).strict()),
  'explorer.chainTips': method<ChainTip[]>()(z.object(view).strict()),
  'explorer.blockTree': method<TreeBlock[]>()(
    z.object({ from: z.number().int().min(0), to: z.number().int().min(0) }).strict(),
  ),
  'explorer.reorgs': method<ReorgRecord[]>()(
    z.object({ ...view, before: z.number().int().min(0).optional(), limit: limit(500, 20) }).strict(),
  ),

  'provenance.ancestry': method<Ancestry | null>()(
    z.object({ ...view, coin, maxDepth: z.number().int().min(0).max(1000).default(20), maxNodes: z.number().int().min(1).max(5000).default(300) }).strict(),
  ),
  'provenance.descendants': method<Descendants | null>()(
    z.object({ ...view, coin, maxDepth: z.number().int().min(0).max(1000).default(20), maxNodes: z.number().int().min(1).max(5000).default(300) }).strict(),
  ),
  'provenance.taint': method<Taint | null>()(
    z
      .object({
        ...view,
        coin,
        source: z.union([z.object({ txid: hash }).strict(), z.object({ address: z.string().min(1).max(100) }).strict()]),
        policy: z.enum(['poison', 'haircut', 'fifo']),
      })
      .strict(),
  ),

  'network.topology': method<Topology>()(none),
  'network.setLink': method<Topology>()(
    z.object({ a: nodeId, b: nodeId, up: z.boolean(), latencyMs: z.number().int().min(0).max(60_000).optional() }).strict(),
  ),
  'network.partition': method<Topology>()(z.object({ groups: z.array(z.array(nodeId).min(1).max(64)).min(2).max(16) }).strict()),
  'network.heal': method<Topology>()(none),
  /** Forgets every ban (as Bitcoin Core's clearbanned) and links the peers again. */
  'network.clearBans': method<Topology>()(none),
  'node.stop': method<NodeStatus>()(z.object(view).strict()),
  'node.start': method<NodeStatus>()(z.object(view).strict()),
  'node.add': method<NodeStatus>()(z.object({ ...view, share: z.number().min(0).max(1).default(0) }).strict()),

  'mining.setRunning': method<AppStatus>()(z.object({ running: z.boolean() }).strict()),
  'mining.setShares': method<AppStatus>()(z.object({ shares: z.record(nodeId, z.number().min(0).max(1)) }).strict()),
  'mining.mineNow': method<AppStatus>()(z.object({ ...view, count: z.number().int().min(1).max(100) }).strict()),
  'traffic.set': method<AppStatus>()(z.object({ rate: z.number().min(0).max(100) }).strict()),
  /**
   * The mean block interval, in seconds. A virtual-time workspace (forklab-sim) paces its miners by it and takes a
   * new one at once; in a real proof-of-work workspace it is the consensus target spacing the retarget aims for,
   * fixed when the workspace is created, and this call is refused with code 'consensus-rule'.
   */
  'mining.setBlockInterval': method<AppStatus>()(z.object({ seconds: z.number().min(0.5).max(3600) }).strict()),

  'wallet.list': method<WalletSummary[]>()(none),
  'wallet.send': method<{ txid: string; fee: bigint; vsize: number }>()(
    z.object({ ...view, to: z.string().min(1).max(100), amount: z.string().regex(/^[1-9]\d{0,15}$/, 'expected satoshis, a positive integer'), feeRate: z.number().min(1).max(10_000) }).strict(),
  ),

  'attacks.list': method<AttackInfo[]>()(none),
  'attacks.start': method<JobInfo>()(
    z.object({ name: z.string().min(1).max(40), params: z.record(z.string(), z.unknown()).default({}), attackerShare: z.number().min(0).max(0.99).optional() }).strict(),
  ),
  'attacks.reports': method<AttackReportSummary[]>()(
    z.object({ before: z.number().int().min(0).optional(), limit: limit(200, 20) }).strict(),
  ),
  'attacks.report': method<AttackReportRecord | null>()(z.object({ id: z.number().int().min(1) }).strict()),
  'theory.doubleSpend': method<TheoryPoint[]>()(z.object({ q: z.number().min(0).max(0.99), maxZ: z.number().int().min(0).max(100).default(12) }).strict()),
  'theory.selfish': method<{ threshold: number; curve: { alpha: number; revenue: number }[] }>()(z.object({ gamma: z.number().min(0).max(1) }).strict()),
  'sim.doubleSpend': method<JobInfo>()(
    z.object({ q: z.number().min(0.01).max(0.99), z: z.number().int().min(0).max(30), trials: z.number().int().min(1).max(1_000_000).default(10_000), seed: z.string().max(100).default('app') }).strict(),
  ),

  'jobs.cancel': method<boolean>()(z.object({ id: z.number().int().min(1) }).strict()),

  'workspace.current': method<WorkspaceInfo | null>()(none),
  'workspace.recent': method<WorkspaceInfo[]>()(none),
  'workspace.create': method<WorkspaceInfo>()(
    z
      .object({
        dir: path,
        name: z.string().min(1).max(100),
        params: z.enum(['forklab', 'forklab-sim']).default('forklab'),
        /** Mean seconds between blocks (default 5): the target spacing of a real proof-of-work workspace, the miners' pace in virtual time. */
        blockInterval: z.number().min(0.5).max(3600).optional(),
      })
      .strict(),
  ),
  'workspace.open': method<WorkspaceInfo>()(z.object({ dir: path }).strict()),
  'workspace.export': method<{ path: string }>()(z.object({ path }).strict()),
  'workspace.import': method<WorkspaceInfo>()(z.object({ path, dir: path }).strict()),
  'workspace.verify': method<JobInfo>()(none),
  /** Fast-forwards a virtual-time workspace by `blocks` blocks of mining (with traffic), as a cancellable job. */
  'workspace.generate': method<JobInfo>()(z.object({ blocks: z.number().int().min(1).max(100_000), txRate: z.number().min(0).max(50).default(0) }).strict()),

  'generals.run': method<GeneralsResult>()(
    z
      .object({
        algo: z.enum(['om', 'sm']),
        n: z.number().int().min(2).max(12),
        m: z.number().int().min(0).max(5),
        traitors: z.array(z.number().int().min(0).max(31)).max(12).default([]),
        order: z.enum(['attack', 'retreat']).default('attack'),
        strategy: z.enum(['opposite', 'split', 'random', 'silent']).default('opposite'),
        seed: z.string().max(100).default('generals'),
      })
      .strict(),
  ),
  'generals.search': method<GeneralsSearchResult>()(
    z.object({ algo: z.enum(['om', 'sm']), n: z.number().int().min(2).max(7), m: z.number().int().min(0).max(3) }).strict(),
  ),
  'generals.counts': method<{ n: number; m: number; om: number; sm: number }[]>()(
    z.object({ maxN: z.number().int().min(2).max(12).default(10), maxM: z.number().int().min(0).max(4).default(3) }).strict(),
  ),
  'replicas.run': method<ReplicaOutcome>()(
    z.object({ strawman: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]), f: z.number().int().min(0).max(20), behaviour: z.enum(['lie', 'silent', 'fast']) }).strict(),
  ),
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type Params<M extends MethodName> = z.input<Methods[M]['params']>;
export type ParsedParams<M extends MethodName> = z.output<Methods[M]['params']>;
export type Result<M extends MethodName> = Exclude<Methods[M]['result'], undefined>;
export const METHOD_NAMES = Object.keys(methods) as MethodName[];

/** Push events from the engine. */
export interface Events {
  /** A node's tip changed; `reorg` is the number of blocks it disconnected, when it was a reorg. */
  tip: { node: string; height: number; hash: string; reorg?: number };
  /** About once a second, while anything runs. */
  status: AppStatus;
  'job.progress': JobProgress;
  'job.done': JobDone;
  'workspace.changed': WorkspaceInfo | null;
}
export type EventName = keyof Events;

/** A refusal the user can act on: bad arguments, an unknown block, a rule the engine enforces. */
export interface ApiError {
  /** Stable code: 'bad-params', 'unknown-method', or the engine's InputError / RuleError code. */
  code: string;
  message: string;
}

/** Every call resolves to one of these; only a bug makes a call reject. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** The transport-independent client the renderer uses (preload bridge or WebSocket). */
export interface ApiClient {
  call<M extends MethodName>(method: M, params: Params<M>): Promise<Outcome<Wire<Result<M>>>>;
  on<E extends EventName>(event: E, listener: (payload: Wire<Events[E]>) => void): () => void;
}

/** Versions of the runtimes the desktop app runs on, as reported by `process.versions` in the preload. */
export interface RuntimeVersions {
  node: string;
  chrome: string;
  electron: string;
}

/** The one object the preload exposes on `window` under the name {@link BRIDGE_KEY}. */
export interface ForklabBridge {
  versions: RuntimeVersions;
  /** Calls a method of the contract; the main process validates the arguments. */
  call(method: string, params: unknown): Promise<Outcome<unknown>>;
  /** Subscribes to push events; returns the unsubscribe function. */
  on(listener: (event: string, payload: unknown) => void): () => void;
}

export { API_PATH_WS, BRIDGE_KEY, IPC_CALL, IPC_EVENT } from './channels.ts';

/** WebSocket frames of the headless server. */
export type ClientFrame = { id: number; method: string; params: unknown };
export type ServerFrame = { id: number; outcome: Outcome<unknown> } | { event: string; payload: unknown };

// The explorer's data shapes, shared by the index (which builds them) and the renderer (which shows them).
// Amounts are bigint here; on the wire (WebSocket, IPC) they travel as decimal strings: see Wire in api.ts.

// Chain events the index stores.

/** What a reorg event stores: the diff between the chain a view left and the one it joined. */
export interface ReorgPayload {
  depth: number;
  fork: { hash: string; height: number };
  /** Detached blocks, old tip first. */
  detached: string[];
  /** Attached blocks, lowest first. */
  attached: string[];
  /** Transactions of detached blocks that are back in the view's mempool (null when no mempool is attached). */
  returnedToMempool: string[] | null;
  /** Transactions of detached blocks that lost a coin to a different transaction of the attached blocks. */
  doubleSpent: string[];
}

export interface RejectedPayload {
  hash: string;
  code: string;
  reason: string;
  source: string | null;
}

export interface DoubleSpendPayload {
  txid: string;
  conflictingTxid: string;
  outpoints: string[];
  block: string | null;
}

// Explorer queries.

export type BlockStatus = 'active' | 'stale' | 'invalid' | 'headers-only' | 'unseen';

export interface BlockSummary {
  hash: string;
  height: number;
  time: number;
  /** Null for a block known only by its header. */
  txCount: number | null;
  size: number | null;
  weight: number | null;
}

export interface BlockInfo extends BlockSummary {
  prevHash: string | null;
  merkleRoot: string;
  version: number;
  bits: number;
  nonce: number;
  /** Cumulative work, hex. */
  chainWork: string;
  status: BlockStatus;
  /** The rule an invalid block broke. */
  code: string | null;
  /** In the view's best chain: tip height - height + 1; otherwise -1 (as Bitcoin Core's getblock). */
  confirmations: number;
  /** The next block of the view's best chain, when this block is on it. */
  nextHash: string | null;
  /** One page of the block's txids, in block order. */
  txids: string[];
  /** Position in the block of the first txid of the page (0 on the first page). */
  txOffset: number;
  /** Cursor (`txAfter`) for the next page of txids, or null when this page reaches the block's last transaction. */
  txNext: number | null;
}

/** One view's status of a block (explorer.blockViews): what explorer.block says of it in that view, without the block. */
export interface BlockViewStatus {
  node: string;
  /** 'unseen' when the view never reported the block (or no stored block has the hash). */
  status: BlockStatus;
  /** The rule an invalid block broke. */
  code: string | null;
  /** In the view's best chain: tip height - height + 1; otherwise -1. */
  confirmations: number;
}

export interface TxInput {
  vin: number;
  coinbase: boolean;
  prevTxid: string | null;
  prevVout: number | null;
  /** Value and address of the spent output, when the index holds that output (in a stored block, or in the view's mempool). */
  value: bigint | null;
  address: string | null;
  sequence: number;
}

export interface TxOutput {
  vout: number;
  value: bigint;
  type: string;
  address: string | null;
  scriptHex: string;
  /** The transaction of the view's best chain that spends this output, if any. */
  spentBy: { txid: string; vin: number; height: number } | null;
}

export interface TxInfo {
  txid: string;
  size: number;
  vsize: number;
  weight: number;
  /** Null for a coinbase, or when the spent outputs are unknown. */
  fee: bigint | null;
  isCoinbase: boolean;
  /** True only when a block of the view's best chain holds the transaction. */
  confirmed: boolean;
  /** That block. */
  block: { hash: string; height: number; position: number } | null;
  confirmations: number;
  /** Every stored block holding the transaction, with its status in the view. */
  blocks: { hash: string; height: number; position: number; status: BlockStatus }[];
  /** Set when the view's mempool holds the transaction (it is then unconfirmed): since when, and at what fee rate (sat/vB). */
  mempool: { time: number; feeRate: number } | null;
  inputs: TxInput[];
  outputs: TxOutput[];
}

/**
 * Where a view has a transaction: in a block of its best chain, in its mempool, only in stored blocks off its best
 * chain (a stale or invalid block, or one it never saw), or nowhere the index knows.
 */
export type TxViewState = 'confirmed' | 'mempool' | 'stale' | 'unknown';

/** One view's state of a transaction (explorer.txViews): what explorer.tx says of it in that view, without the transaction. */
export interface TxViewStatus {
  node: string;
  /** The first that holds: confirmed (TxInfo.confirmed), mempool (TxInfo.mempool set), stale (TxInfo.blocks not empty), unknown. */
  state: TxViewState;
  /** Confirmed: tip height - height + 1; otherwise 0. */
  confirmations: number;
  /** Confirmed: the block of the view's best chain holding it; stale: the first stored block holding it; otherwise null. */
  blockHash: string | null;
}

export interface AddressUtxo {
  txid: string;
  vout: number;
  value: bigint;
  height: number;
}

export interface AddressHistoryItem {
  txid: string;
  height: number;
  position: number;
  blockHash: string;
  /** Received minus spent by this transaction for the address. */
  delta: bigint;
}

export interface AddressInfo {
  address: string;
  balance: bigint;
  received: bigint;
  sent: bigint;
  txCount: number;
  utxos: AddressUtxo[];
  history: AddressHistoryItem[];
  /** Cursor for the next (older) page of history, or null. */
  next: string | null;
}

export type SearchResult = { kind: 'block'; hash: string; height: number } | { kind: 'tx'; txid: string } | { kind: 'address'; address: string };

export interface ChainTip {
  height: number;
  hash: string;
  branchlen: number;
  status: 'active' | 'valid-fork' | 'invalid' | 'headers-only';
}

export interface TreeBlock {
  hash: string;
  height: number;
  prevHash: string | null;
  hasData: boolean;
  /** Status by view name, for the views that have seen the block. */
  views: Record<string, { status: Exclude<BlockStatus, 'unseen'>; code: string | null }>;
}

export interface ReorgRecord extends ReorgPayload {
  id: number;
  time: number;
}

/** An unconfirmed transaction in a view's mempool. */
export interface MempoolTx {
  txid: string;
  size: number;
  vsize: number;
  weight: number;
  fee: bigint;
  /** Satoshis per virtual byte. */
  feeRate: number;
  /** Seconds on the node's clock when it entered the mempool. */
  time: number;
  inputCount: number;
  outputCount: number;
  valueOut: bigint;
}

export interface MempoolInfo {
  /** Totals over every transaction that passes the filter (not only the returned page). */
  count: number;
  vsize: number;
  fees: bigint;
  /** Highest fee rate first; ties by txid. */
  txs: MempoolTx[];
}

export interface AttackReportSummary {
  id: number;
  /** The node the attack targeted, or null for a network-wide attack. */
  view: string | null;
  attack: string;
  /** Milliseconds on the lab clock. */
  started: number;
  finished: number;
  params: unknown;
}

export interface AttackReportRecord extends AttackReportSummary {
  /** As recorded, with bigints as decimal strings. */
  report: unknown;
}

// Coin provenance.

export interface ProvenanceBounds {
  /** Deepest level followed (the coin's own transaction is depth 0). Default 50. */
  maxDepth?: number;
  /** Most transactions in the graph. Default 10,000. */
  maxNodes?: number;
}

export interface BlockRef {
  hash: string;
  height: number;
}

export interface AncestryNode {
  /** Txid. */
  id: string;
  /** Shortest number of spends from this transaction to the coin: 0 for the transaction that created it. */
  depth: number;
  isCoinbase: boolean;
  /** The block of the view's best chain holding the transaction. */
  block: BlockRef;
  /**
   * True when every input of the transaction is an edge of the graph (always true for a coinbase); false for
   * the frontier a bound cut off.
   */
  expanded: boolean;
}

export interface AncestryEdge {
  /** The spent output, 'txid:vout'. */
  from: string;
  /** The spending transaction's txid. */
  to: string;
  /** The spent output's value, satoshis. */
  value: bigint;
}

export interface DescendantEdge extends AncestryEdge {
  /** The spent output's address, when it has one. */
  address: string | null;
}

export interface AncestryCoinbase {
  txid: string;
  height: number;
  /** Satoshis of this coinbase's outputs that the graph draws on: the edges out of it (or the coin itself). */
  value: bigint;
  block: BlockRef;
  /** Address of the coinbase's first output, or null. */
  miner: string | null;
}

export interface Ancestry {
  coin: string;
  value: bigint;
  /** Breadth-first from the coin: by depth, then in input order. */
  nodes: AncestryNode[];
  edges: AncestryEdge[];
  /** The coinbase nodes, in the order of `nodes`. */
  coinbases: AncestryCoinbase[];
  /** True when a bound left some input unfollowed (some node has expanded === false). */
  truncated: boolean;
}

export interface DescendantNode {
  /** Txid of a spending transaction. */
  id: string;
  /** Number of spends from the coin: 1 for the coin's spender. */
  depth: number;
  block: BlockRef;
  /** True when the spenders of all of this transaction's outputs were looked up (false at the frontier). */
  expanded: boolean;
}

export interface DescendantCoin {
  coin: string;
  value: bigint;
  address: string | null;
}

export interface Descendants {
  coin: string;
  value: bigint;
  nodes: DescendantNode[];
  /** Each spend in the graph: the spent output, its spender, its value and address. */
  edges: DescendantEdge[];
  /** Outputs in the graph (the coin, or outputs of expanded nodes) that the view's best chain has not spent. */
  unspent: DescendantCoin[];
  truncated: boolean;
}

export type TaintPolicy = 'poison' | 'haircut' | 'fifo';
export type TaintSource = { txid: string } | { address: string };

export interface TaintOrigin {
  /**
   * The coinbase the satoshis came from; when the ancestry was truncated, a frontier transaction whose own
   * inputs were not followed stands in as an origin (coinbase: false).
   */
  txid: string;
  coinbase: boolean;
  value: bigint;
  /** Of `value`, satoshis attributed to the source. */
  tainted: bigint;
}

export interface Taint {
  coin: string;
  value: bigint;
  policy: TaintPolicy;
  /** Satoshis of the coin attributed to the source. */
  tainted: bigint;
  /** tainted / value (0 for a zero-value coin). */
  fraction: number;
  /** The coin's value by origin, largest first (ties by txid); values sum exactly to `value`. */
  byOrigin: TaintOrigin[];
  /** The ancestry was cut by a bound; frontier transactions count as origins. */
  truncated: boolean;
}

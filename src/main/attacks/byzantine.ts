// Byzantine blocks: the attacker sends honest nodes blocks that each break exactly one consensus rule, and records how each node rejects them.

import { z } from 'zod';
import type { Block } from '../core/block.ts';
import type { Bytes } from '../core/bytes.ts';
import type { BlockEntry, ChainEvents, Chainstate } from '../core/chainstate.ts';
import { InputError } from '../core/errors.ts';
import { bitsToTarget, hashToBigInt, workFromBits } from '../core/pow.ts';
import { Transaction } from '../core/tx.ts';
import type { Wallet, WalletCoin } from '../core/wallet.ts';
import { buildTemplate, solveEasy } from '../miner/miner.ts';
import { ATTACKER, type Lab } from '../network/lab.ts';
import type { Endpoint } from '../network/network.ts';
import type { Node } from '../node/node.ts';
import type { AttackDefinition, ProgressListener } from './attack.ts';

export const BYZANTINE_KINDS = ['bad-pow', 'excess-coinbase', 'double-spend', 'bad-signature', 'bad-merkle-root', 'time-too-new', 'child-of-invalid'] as const;

export type ByzantineKind = (typeof BYZANTINE_KINDS)[number];

/** The code an honest node rejects each kind with (Bitcoin Core's reject reasons). */
export const EXPECTED_CODES: Readonly<Record<ByzantineKind, string>> = {
  'bad-pow': 'high-hash', // CheckBlockHeader: hash above the target of its own bits
  'excess-coinbase': 'bad-cb-amount', // ConnectBlock: coinbase pays subsidy + fees + 1
  'double-spend': 'bad-txns-inputs-missingorspent', // ConnectBlock: the second of two txs finds the coin spent
  'bad-signature': 'bad-schnorr-sig', // ConnectBlock: BIP-340 verification of a flipped signature byte
  'bad-merkle-root': 'bad-txnmrklroot', // CheckBlock: header commits to other transactions
  'time-too-new': 'time-too-new', // ContextualCheckBlockHeader: beyond now + maxFutureBlockTime
  'child-of-invalid': 'bad-prevblk', // AcceptBlockHeader: the parent is known invalid
};

/** Seconds past the future limit a time-too-new block claims (well past any link latency). */
const FUTURE_MARGIN_S = 600;
/** How long (lab clock) each honest node gets to process one block before it counts as not rejecting it. */
const DELIVERY_TIMEOUT_MS = 10_000;
const SETTLE_TIMEOUT_MS = 60_000;
const FEE_RATE = 2;

export const byzantineParams = z.object({
  kinds: z
    .array(z.enum(BYZANTINE_KINDS))
    .min(1)
    .refine((ks) => new Set(ks).size === ks.length, 'expected each kind at most once')
    .default([...BYZANTINE_KINDS]),
});

export type ByzantineParams = z.infer<typeof byzantineParams>;

export interface ByzantineKindReport {
  kind: ByzantineKind;
  blockId: string;
  /** child-of-invalid only: the invalid parent, sent first. */
  parentId?: string;
  expectedCode: string;
  /** Per honest node, the code it rejected the block with; null when it did not reject it. */
  rejectedBy: Record<string, string | null>;
  /** Per honest node, the peer the block came from: the attacker, or a fresh connection once the attacker was banned. */
  sentFrom: Record<string, string>;
}

export interface ByzantineReport {
  attack: 'byzantine';
  kinds: ByzantineKindReport[];
  /** Per honest node, the code for which it banned the attacker, or null. */
  bannedBy: Record<string, string | null>;
  /** No honest node ever had an attack block (or a descendant of one) as its tip. */
  honestTipUnaffected: boolean;
  /** Afterwards the honest nodes accept a new honest block and agree on a tip free of attack blocks. */
  honestChainValid: boolean;
}

export const byzantine: AttackDefinition<typeof byzantineParams, ByzantineReport> = {
  name: 'byzantine',
  title: 'Byzantine blocks',
  summary: 'The attacker sends honest nodes blocks built on their tip that each break one rule (proof of work, coinbase amount, a double spend, a signature, the merkle root, the timestamp, an invalid parent); every node should reject each with its own code and keep its chain.',
  params: byzantineParams,

  async run(lab: Lab, p: ByzantineParams, onProgress?: ProgressListener): Promise<ByzantineReport> {
    const attacker = lab.attacker;
    const honest = lab.honestNodes();
    const honestIds = honest.map((n) => n.id);
    const needsCoins = p.kinds.includes('double-spend') || p.kinds.includes('bad-signature');
    // Checked before anything changes: funding needs the attacker's miner.
    const miner = needsCoins ? lab.attackerMiner : null;
    const start = lab.now();
    const progress = (phase: string, message: string, data?: Record<string, unknown>) =>
      onProgress?.({ attack: 'byzantine', t: lab.now() - start, phase, message, ...(data ? { data } : {}) });

    // Attack blocks must meet the honest tip they were built on: no honest block may overtake them.
    const wasRunning = lab.miners.running;
    if (wasRunning) await lab.miners.stop();
    const rejected = new Map<string, Map<string, string>>(honestIds.map((id) => [id, new Map()]));
    const attackIds = new Set<string>();
    let honestTipUnaffected = true;
    const offs: (() => void)[] = [];
    for (const node of honest) {
      offs.push(
        node.chain.events.on('blockRejected', (r: ChainEvents['blockRejected']) => {
          const seen = rejected.get(node.id)!;
          if (!seen.has(r.id)) seen.set(r.id, r.code);
        }),
        node.chain.events.on('tipChanged', (e: ChainEvents['tipChanged']) => {
          if (descendsFromAny(e.tip, attackIds)) honestTipUnaffected = false;
        }),
      );
    }
    const courier = new Courier(lab);
    const kinds: ByzantineKindReport[] = [];
    let honestChainValid = false;
    try {
      // Also lets pending handshakes finish, so the attacker's own links are used wherever they exist.
      const linked = new Set(lab.testnet.network.livePeersOf(ATTACKER));
      const handshaken = () => honest.every((n) => !linked.has(n.id) || n.banned.has(ATTACKER) || (n.peer(ATTACKER) !== undefined && attacker.peer(n.id) !== undefined));
      if (!(await lab.waitFor(() => lab.testnet.converged(honestIds) && handshaken(), SETTLE_TIMEOUT_MS))) {
        throw new InputError('not-converged', 'byzantine: expected the honest nodes to agree on a tip before the attack, they do not');
      }
      // The public chain as any honest peer serves it (the attacker's own node may be cut off after earlier bans).
      const publicChain = honest[0]!.chain;
      const wallet = lab.testnet.wallet(ATTACKER);
      let coin: WalletCoin | null = null;
      if (miner) {
        progress('funding', 'attacker mines a mature coin to build transactions with');
        coin = await fund(lab, miner.id, wallet, publicChain);
      }

      // Sends `block`, waits until every honest node has processed it, and returns who rejected it with what.
      const send = async (block: Block) => {
        attackIds.add(block.id);
        const sentFrom = await courier.deliver(block, honest);
        await lab.waitFor(() => honest.every((n) => processed(n, block.id, rejected)), DELIVERY_TIMEOUT_MS);
        courier.closeFresh();
        const rejectedBy = Object.fromEntries(honestIds.map((id) => [id, rejected.get(id)!.get(block.id) ?? null]));
        return { rejectedBy, sentFrom };
      };

      const sentBlocks = new Map<ByzantineKind, Block>();
      for (const kind of p.kinds) {
        const ctx: BuildContext = { chain: publicChain, tip: publicChain.tip, payoutScript: wallet.primary.scriptPubKey, now: lab.now() / 1000, kind };
        let parentId: string | undefined;
        let block: Block;
        if (kind === 'child-of-invalid') {
          // A correctly formed child of a block that passes context-free checks but fails to connect.
          let parent = sentBlocks.get('excess-coinbase');
          if (!parent) {
            parent = excessCoinbaseBlock({ ...ctx, kind: 'excess-coinbase' });
            progress('sending', 'sending the invalid parent of child-of-invalid', { blockId: parent.id });
            await send(parent);
          }
          parentId = parent.id;
          block = solveEasy(template(ctx, { parent: detachedEntry(ctx.tip, parent) }));
        } else {
          block = buildKind(kind, ctx, wallet, coin);
        }
        sentBlocks.set(kind, block);
        progress('sending', `sending a ${kind} block`, { blockId: block.id, expectedCode: EXPECTED_CODES[kind] });
        const { rejectedBy, sentFrom } = await send(block);
        kinds.push({ kind, blockId: block.id, ...(parentId !== undefined ? { parentId } : {}), expectedCode: EXPECTED_CODES[kind], rejectedBy, sentFrom });
        progress('rejected', `${kind}: ${Object.entries(rejectedBy).map(([id, code]) => `${id}=${code ?? 'not rejected'}`).join(' ')}`, { kind, rejectedBy });
      }

      // Afterwards the honest network still works: one honest block spreads and every honest node takes it.
      const honestMiner = lab.miners.get(`miner-${honestIds[0]}`);
      const next = honestMiner ? await lab.miners.mineNow(honestMiner) : null;
      progress('settling', 'an honest block checks that the honest nodes still agree', { blockId: next?.id });
      const agreed = await lab.waitFor(() => lab.testnet.converged(honestIds) && (!next || honest[0]!.chain.tip.id === next.id), SETTLE_TIMEOUT_MS);
      honestChainValid = agreed && honest.every((n) => n.chain.tip.invalid === null && !activeChainHoldsAny(n.chain, attackIds));
      honestTipUnaffected = honestTipUnaffected && honest.every((n) => !descendsFromAny(n.chain.tip, attackIds));
    } finally {
      offs.forEach((off) => off());
      courier.closeFresh();
      if (wasRunning) lab.miners.start();
    }
    const bannedBy = Object.fromEntries(honest.map((n) => [n.id, n.banned.get(ATTACKER) ?? null]));
    progress('done', `${kinds.length} kinds sent`, { honestTipUnaffected, honestChainValid });
    return { attack: 'byzantine', kinds, bannedBy, honestTipUnaffected, honestChainValid };
  },
};

interface BuildContext {
  chain: Chainstate;
  /** The honest tip every attack block builds on. */
  tip: BlockEntry;
  payoutScript: Bytes;
  /** Seconds since the epoch. */
  now: number;
  kind: ByzantineKind;
}

function template(ctx: BuildContext, o: { parent?: BlockEntry; txs?: readonly Transaction[]; fees?: bigint } = {}): Block {
  return buildTemplate({ chain: ctx.chain, parent: o.parent ?? ctx.tip, txs: o.txs ?? [], fees: o.fees ?? 0n, payoutScript: ctx.payoutScript, now: ctx.now, tag: `byzantine/${ctx.kind}` });
}

/** A solved block on the tip whose coinbase claims one satoshi more than subsidy + fees. */
function excessCoinbaseBlock(ctx: BuildContext): Block {
  return solveEasy(template(ctx, { fees: 1n }));
}

/** Builds the block for every kind except child-of-invalid: real structure, exactly one defect. */
function buildKind(kind: Exclude<ByzantineKind, 'child-of-invalid'>, ctx: BuildContext, wallet: Wallet, coin: WalletCoin | null): Block {
  switch (kind) {
    case 'bad-pow':
      return missTarget(template(ctx));
    case 'excess-coinbase':
      return excessCoinbaseBlock(ctx);
    case 'double-spend': {
      const c = requireCoin(coin, kind);
      const first = wallet.createPayment({ chain: ctx.chain, to: [{ scriptPubKey: wallet.primary.scriptPubKey, value: c.value / 2n }], feeRate: FEE_RATE, coins: [c.outpoint], allowUnconfirmed: false });
      const second = wallet.createConflict(first, { chain: ctx.chain, feeRate: FEE_RATE * 2 });
      // The coinbase claims both fees, as a template holding two valid transactions would.
      const fees = 2n * c.value - first.totalOut() - second.totalOut();
      return solveEasy(template(ctx, { txs: [first, second], fees }));
    }
    case 'bad-signature': {
      const c = requireCoin(coin, kind);
      const valid = wallet.createPayment({ chain: ctx.chain, to: [{ scriptPubKey: wallet.primary.scriptPubKey, value: c.value / 3n }], feeRate: FEE_RATE, coins: [c.outpoint], allowUnconfirmed: false });
      // The witness commitment covers the flipped signature, so only BIP-340 verification can fail.
      return solveEasy(template(ctx, { txs: [flipSignatureByte(valid)], fees: c.value - valid.totalOut() }));
    }
    case 'bad-merkle-root': {
      const b = template(ctx);
      const root = Uint8Array.from(b.header.merkleRoot);
      root[0] = root[0]! ^ 0x01;
      return solveEasy(b.with(b.header.with({ merkleRoot: root })));
    }
    case 'time-too-new': {
      const b = template(ctx);
      return solveEasy(b.with(b.header.with({ time: Math.floor(ctx.now) + ctx.chain.params.maxFutureBlockTime + FUTURE_MARGIN_S })));
    }
  }
}

function requireCoin(coin: WalletCoin | null, kind: ByzantineKind): WalletCoin {
  if (!coin) throw new Error(`${kind}: the attacker was not funded`);
  return coin;
}

/** The same transaction with one byte of its first input's signature flipped (txid unchanged, wtxid not). */
function flipSignatureByte(tx: Transaction): Transaction {
  const [first, ...rest] = tx.inputs;
  const sig = Uint8Array.from(first!.witness[0]!);
  sig[sig.length - 1] = sig[sig.length - 1]! ^ 0x01;
  return new Transaction({ ...tx, inputs: [{ ...first!, witness: [sig, ...first!.witness.slice(1)] }, ...rest] });
}

/** The block with the first nonce whose hash is above its target (about every other nonce at the easiest bits). */
function missTarget(block: Block): Block {
  const target = bitsToTarget(block.header.bits);
  let h = block.header;
  while (hashToBigInt(h.hash) <= target) h = h.with({ nonce: h.nonce + 1 });
  return block.with(h);
}

/**
 * An entry for `block` on `parent` that is not in the chain's tree: enough for buildTemplate to compute the
 * child's height, median time past and bits without the attacker's node ever storing the invalid block.
 */
function detachedEntry(parent: BlockEntry, block: Block): BlockEntry {
  return {
    id: block.id,
    hash: block.hash,
    header: block.header,
    height: parent.height + 1,
    chainWork: parent.chainWork + workFromBits(block.header.bits),
    parent,
    sequence: -1,
    hasData: false,
    invalid: null,
    children: [],
  };
}

/** Mines on the attacker's miner until its wallet holds a mature coin on the public chain; returns the largest. */
async function fund(lab: Lab, minerId: string, wallet: Wallet, publicChain: Chainstate): Promise<WalletCoin> {
  const miner = lab.miners.get(minerId)!;
  const limit = lab.testnet.params.coinbaseMaturity + 100;
  for (let i = 0; ; i++) {
    const coins = wallet.listCoins(publicChain, undefined, false).filter((c) => c.value > 100_000n);
    if (coins.length > 0) return coins.reduce((a, b) => (b.value > a.value ? b : a));
    if (i >= limit) throw new InputError('no-funds', `byzantine: the attacker found no mature coin after ${limit} blocks`);
    const block = await lab.miners.mineNow(miner);
    const reached = await lab.waitFor(() => {
      const e = publicChain.getEntry(block.id);
      return e !== undefined && publicChain.isInActiveChain(e) && lab.testnet.converged(lab.honestIds);
    }, SETTLE_TIMEOUT_MS);
    if (!reached) throw new InputError('attacker-isolated', "byzantine: the attacker's blocks do not reach the honest nodes (banned or disconnected), so it cannot fund double-spend or bad-signature");
  }
}

/** Whether `node` has dealt with block `id`: rejected it, or (wrongly) stored it as valid. */
function processed(node: Node, id: string, rejected: Map<string, Map<string, string>>): boolean {
  if (rejected.get(node.id)!.has(id)) return true;
  const e = node.chain.getEntry(id);
  return e !== undefined && e.hasData && e.invalid === null;
}

function descendsFromAny(entry: BlockEntry, ids: ReadonlySet<string>): boolean {
  for (let e: BlockEntry | null = entry; e; e = e.parent) if (ids.has(e.id)) return true;
  return false;
}

function activeChainHoldsAny(chain: Chainstate, ids: ReadonlySet<string>): boolean {
  for (const id of ids) {
    const e = chain.getEntry(id);
    if (e && chain.isInActiveChain(e)) return true;
  }
  return false;
}

/** A peer that sends what it is told and ignores everything it receives: a throwaway attacker connection. */
function silentEndpoint(id: string): Endpoint {
  return { id, running: true, receive() {}, peerConnected() {}, peerDisconnected() {} };
}

/**
 * Delivers attack blocks to honest nodes as unannounced `block` messages: over the attacker's own links while
 * a node still accepts it as a peer, otherwise over a fresh connection (a new address, as a banned attacker
 * would use), closed again once the block has been processed.
 */
class Courier {
  private readonly lab: Lab;
  private readonly open: string[] = [];
  private count = 0;

  constructor(lab: Lab) {
    this.lab = lab;
  }

  async deliver(block: Block, targets: readonly Node[]): Promise<Record<string, string>> {
    const attacker = this.lab.attacker;
    const sentFrom: Record<string, string> = {};
    const direct = targets.filter((n) => n.peer(ATTACKER) !== undefined && attacker.peer(n.id) !== undefined);
    if (direct.length > 0) {
      attacker.pushBlock(block, direct.map((n) => n.id));
      for (const n of direct) sentFrom[n.id] = ATTACKER;
    }
    const rest = targets.filter((n) => !direct.includes(n));
    if (rest.length === 0) return sentFrom;
    const net = this.lab.testnet.network;
    // A new address: neither on the network nor banned by any target (earlier runs may have used the name).
    let id = `${ATTACKER}-fresh-${++this.count}`;
    while (net.has(id) || targets.some((n) => n.banned.has(id))) id = `${ATTACKER}-fresh-${++this.count}`;
    net.add(silentEndpoint(id));
    this.open.push(id);
    for (const n of rest) net.connect(id, n.id);
    await this.lab.waitFor(() => rest.every((n) => n.peer(id) !== undefined), DELIVERY_TIMEOUT_MS);
    for (const n of rest) {
      net.send(id, n.id, { type: 'block', block });
      sentFrom[n.id] = id;
    }
    return sentFrom;
  }

  /** Drops every fresh connection opened so far. */
  closeFresh(): void {
    for (const id of this.open.splice(0)) this.lab.testnet.network.remove(id);
  }
}

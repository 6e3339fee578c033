// Named networks and their consensus parameters: `forklab` (the local testnet) and Bitcoin's `mainnet`.

import { hexToBytes, utf8ToBytes, concatBytes, type Bytes } from './bytes.ts';
import type { AddressPrefixes } from './address.ts';
import { Block } from './block.ts';
import { InputError } from './errors.ts';
import { BlockHeader } from './header.ts';
import { computeMerkleRoot } from './merkle.ts';
import { bitsToTarget, hashToBigInt, type RetargetParams } from './pow.ts';
import { encodeScriptNum, nullDataScript, pushData } from './script.ts';
import { NULL_TXID, SEQUENCE_FINAL, Transaction } from './tx.ts';

export const COIN = 100_000_000n;

export interface NetworkParams extends RetargetParams, AddressPrefixes {
  readonly name: string;
  readonly genesis: Block;
  /** Base subsidy halves every this many blocks. */
  readonly subsidyHalvingInterval: number;
  readonly initialSubsidy: bigint;
  /** Coinbase outputs can be spent only this many blocks after their own (COINBASE_MATURITY). */
  readonly coinbaseMaturity: number;
  readonly maxMoney: bigint;
  /** A block's time may be at most this many seconds ahead of the local clock. */
  readonly maxFutureBlockTime: number;
  /** Blocks in the median-time-past window. */
  readonly medianTimeSpan: number;
  readonly maxBlockWeight: number;
  /** From this height the coinbase must start with the height (BIP-34). */
  readonly bip34Height: number;
  /** From this height witness data and commitments are validated (BIP-141); before, witness data is invalid. */
  readonly segwitHeight: number;
}

/** Subsidy at `height`: initialSubsidy halved every subsidyHalvingInterval blocks, zero after 64 halvings. */
export function blockSubsidy(height: number, p: NetworkParams): bigint {
  const halvings = Math.floor(height / p.subsidyHalvingInterval);
  if (halvings >= 64) return 0n;
  return p.initialSubsidy >> BigInt(halvings);
}

// The genesis block of Bitcoin, byte for byte.
const MAINNET_GENESIS_HEX =
  '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c' +
  '0101000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000';

export const MAINNET: NetworkParams = {
  name: 'mainnet',
  genesis: Block.fromBytes(hexToBytes(MAINNET_GENESIS_HEX)),
  powLimit: bitsToTarget(0x1d00ffff),
  targetSpacing: 600,
  retargetInterval: 2016,
  noRetarget: false,
  subsidyHalvingInterval: 210_000,
  initialSubsidy: 50n * COIN,
  coinbaseMaturity: 100,
  maxMoney: 21_000_000n * COIN,
  maxFutureBlockTime: 2 * 60 * 60,
  medianTimeSpan: 11,
  maxBlockWeight: 4_000_000,
  bip34Height: 227_931,
  segwitHeight: 481_824,
  bech32Hrp: 'bc',
  pubKeyHashPrefix: 0x00,
  scriptHashPrefix: 0x05,
};

export interface ForklabOptions {
  name?: string;
  genesisBits?: number;
  genesisTime?: number;
  targetSpacing?: number;
  retargetInterval?: number;
  noRetarget?: boolean;
  coinbaseMaturity?: number;
  subsidyHalvingInterval?: number;
  maxBlockWeight?: number;
  maxFutureBlockTime?: number;
  bip34Height?: number;
  /** A genesis nonce known to satisfy genesisBits; searched for when absent or wrong (cheap only for easy bits). */
  genesisNonce?: number;
}

/**
 * Builds a forklab-style network. Its genesis coinbase carries a message and one unspendable output, and
 * (as in Bitcoin) is never added to the UTXO set: coins start at height 1.
 */
export function createForklabNetwork(o: ForklabOptions = {}): NetworkParams {
  const genesisBits = o.genesisBits ?? 0x1e3fffff; // about 2^18 hashes a block to start with; retargeting adapts
  const message = utf8ToBytes('Forklab genesis: every coin has a history');
  const coinbase = new Transaction({
    version: 1,
    inputs: [
      {
        prevout: { txid: NULL_TXID, vout: 0xffffffff },
        scriptSig: concatBytes(pushData(encodeScriptNum(0)), pushData(message)),
        sequence: SEQUENCE_FINAL,
        witness: [],
      },
    ],
    outputs: [{ value: 0n, scriptPubKey: nullDataScript(message) }],
    locktime: 0,
  });
  const template = new BlockHeader({
    version: 1,
    prevHash: new Uint8Array(32),
    merkleRoot: computeMerkleRoot([coinbase.txid]).root,
    time: o.genesisTime ?? 1_767_225_600, // 2026-01-01T00:00:00Z
    bits: genesisBits,
    nonce: 0,
  });
  const header = solveGenesis(template, o.genesisNonce ?? 0);
  return {
    name: o.name ?? 'forklab',
    genesis: new Block(header, [coinbase]),
    // As on mainnet, the genesis block sits at the easiest target allowed: difficulty only rises from there
    // (the first retarget window spans the gap since genesis and would otherwise make blocks 4x easier).
    powLimit: bitsToTarget(genesisBits),
    targetSpacing: o.targetSpacing ?? 5,
    retargetInterval: o.retargetInterval ?? 20,
    noRetarget: o.noRetarget ?? false,
    subsidyHalvingInterval: o.subsidyHalvingInterval ?? 150_000,
    initialSubsidy: 50n * COIN,
    coinbaseMaturity: o.coinbaseMaturity ?? 10,
    maxMoney: 21_000_000n * COIN,
    maxFutureBlockTime: o.maxFutureBlockTime ?? 2 * 60 * 60,
    medianTimeSpan: 11,
    maxBlockWeight: o.maxBlockWeight ?? 4_000_000,
    bip34Height: o.bip34Height ?? 1,
    segwitHeight: 0,
    bech32Hrp: 'bcrt',
    pubKeyHashPrefix: 0x6f,
    scriptHashPrefix: 0xc4,
  };
}

function solveGenesis(template: BlockHeader, hint: number): BlockHeader {
  const target = bitsToTarget(template.bits);
  let h = template.with({ nonce: hint });
  while (hashToBigInt(h.hash) > target) h = h.with({ nonce: (h.nonce + 1) >>> 0 });
  return h;
}

/**
 * The forklab testnet: 5-second blocks, a 20-block retarget window, 10-block coinbase maturity. Its genesis
 * nonce was found once by search; createForklabNetwork checks it (and would search again if it were wrong).
 */
export const FORKLAB: NetworkParams = createForklabNetwork({ genesisNonce: 773 });
export const FORKLAB_GENESIS_ID = '000026dc7e634090d1aff3df69c027f438f547299ad0a8b0352d213cf23966f7';

export const NETWORKS: Readonly<Record<string, NetworkParams>> = { forklab: FORKLAB, mainnet: MAINNET };

export function getNetwork(name: string): NetworkParams {
  const p = NETWORKS[name];
  if (!p) throw new InputError('unknown-network', `unknown network ${JSON.stringify(name)}: expected one of ${Object.keys(NETWORKS).join(', ')}`);
  return p;
}

export function genesisHash(p: NetworkParams): Bytes {
  return p.genesis.hash;
}

/**
 * Forklab's rules at a trivial target without retargeting: for virtual time, where block discovery is drawn
 * from hash-power shares and each block still carries a valid proof of work (a few hashes).
 */
export const FORKLAB_SIM: NetworkParams = createForklabNetwork({ name: 'forklab-sim', genesisBits: 0x207fffff, noRetarget: true });

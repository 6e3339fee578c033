// Core commands: verify-headers, decode-block, mine.

import { readFileSync } from 'node:fs';
import { blockFromHex, type Block } from '../core/block.ts';
import { addressFromScript } from '../core/address.ts';
import { bytesToHex, bytesToHexReversed, equalBytes, hexToBytes } from '../core/bytes.ts';
import { classifyScript, scriptToAsm } from '../core/script.ts';
import { Chainstate } from '../core/chainstate.ts';
import { InputError, ParseError, RuleError } from '../core/errors.ts';
import { BlockHeader } from '../core/header.ts';
import { getNetwork } from '../core/params.ts';
import { SignatureChecker } from '../core/signatures.ts';
import { checkBlock } from '../core/validate.ts';
import { Wallet } from '../core/wallet.ts';
import { wasmSchnorr } from '../crypto/fast-schnorr.ts';
import { mineOneBlock } from '../miner/miner.ts';
import { PowPool } from '../miner/pow-pool.ts';
import { common, int, str, wallClock, type Command } from './command.ts';

export const coreCommands: Record<string, Command> = {
  'verify-headers': {
    usage: '--network NET [--json]      check hex headers (one per line on stdin, from genesis)',
    options: common,
    run(values) {
      const params = getNetwork(str(values.network, 'forklab'));
      const lines = readStdin().split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
      const chain = new Chainstate(params, { now: wallClock });
      let tip = params.genesis.id;
      let firstInvalid: { index: number; code: string; reason?: string } | null = null;
      lines.forEach((line, index) => {
        if (firstInvalid) return;
        try {
          const header = BlockHeader.fromBytes(hexToBytes(line, `header ${index}`));
          if (index === 0 && header.id === params.genesis.id) return; // the genesis header itself
          tip = chain.acceptHeader(header).id;
        } catch (e) {
          if (e instanceof RuleError || e instanceof ParseError) firstInvalid = { index, code: e.code, reason: e.message };
          else throw e;
        }
      });
      return { count: lines.length, valid: firstInvalid === null && lines.length > 0, tip, firstInvalid };
    },
    print: (r) => {
      const x = r as { count: number; valid: boolean; tip: string; firstInvalid: { index: number; code: string } | null };
      return x.valid ? `${x.count} headers valid; tip ${x.tip}` : `${x.count} headers; first invalid at index ${x.firstInvalid?.index} (${x.firstInvalid?.code}); last valid tip ${x.tip}`;
    },
  },

  'decode-block': {
    usage: '--network NET [--json] HEX|-  decode a block (hex argument, or - for stdin)',
    options: common,
    positionals: true,
    run(values, positionals) {
      const params = getNetwork(str(values.network, 'forklab'));
      if (positionals.length !== 1) throw new InputError('usage', `decode-block: expected one block in hex (or -), got ${positionals.length} arguments`);
      const hex = positionals[0] === '-' ? readStdin().trim() : positionals[0]!;
      const block = blockFromHex(hex);
      const { root, mutated } = block.computeMerkleRoot();
      const merkleValid = !mutated && equalBytes(root, block.header.merkleRoot);
      let checks: { valid: boolean; code?: string };
      try {
        checkBlock(block, params);
        checks = { valid: true };
      } catch (e) {
        if (!(e instanceof RuleError)) throw e;
        checks = { valid: false, code: e.code };
      }
      return {
        hash: block.id,
        height: block.id === params.genesis.id ? 0 : bip34Height(block, params.bip34Height),
        version: block.header.version,
        prevHash: bytesToHexReversed(block.header.prevHash),
        time: block.header.time,
        bits: block.header.bits.toString(16).padStart(8, '0'),
        nonce: block.header.nonce,
        txCount: block.txs.length,
        size: block.totalSize,
        weight: block.weight,
        merkleRoot: bytesToHexReversed(block.header.merkleRoot),
        merkleValid,
        contextFreeChecks: checks,
        txids: block.txs.map((tx) => tx.id),
        txs: block.txs.map((tx) => ({
          txid: tx.id,
          wtxid: bytesToHexReversed(tx.wtxid),
          size: tx.totalSize,
          vsize: tx.vsize,
          weight: tx.weight,
          coinbase: tx.isCoinbase(),
          inputs: tx.inputs.map((i) => (tx.isCoinbase() ? { coinbase: bytesToHex(i.scriptSig) } : { prevout: `${bytesToHexReversed(i.prevout.txid)}:${i.prevout.vout}`, witnessItems: i.witness.length })),
          outputs: tx.outputs.map((o) => ({ value: o.value, type: classifyScript(o.scriptPubKey).type, address: addressFromScript(o.scriptPubKey, params), asm: scriptToAsm(o.scriptPubKey) })),
        })),
      };
    },
    print: (r) => {
      const x = r as { hash: string; height: number | null; txCount: number; merkleValid: boolean };
      return `block ${x.hash} height ${x.height ?? 'unknown'}: ${x.txCount} transactions, merkle root ${x.merkleValid ? 'valid' : 'INVALID'}`;
    },
  },

  mine: {
    usage: '--blocks N [--threads T] [--json]     mine N blocks on a forklab node with real proof of work',
    options: { ...common, blocks: { type: 'string' }, threads: { type: 'string' } },
    async run(values) {
      const params = getNetwork(str(values.network, 'forklab'));
      if (params.name !== 'forklab') throw new InputError('unsupported-network', `mine: only the forklab network can be mined here, got ${params.name}`);
      const count = int(values.blocks, 'blocks', 1, 100_000, 10);
      const threads = int(values.threads, 'threads', 1, 64, 1);
      const checker = new SignatureChecker(wasmSchnorr);
      const chain = new Chainstate(params, { now: wallClock, checker });
      const wallet = Wallet.fromLabel(params, 'cli-miner', wasmSchnorr);
      const pool = new PowPool({ threads });
      const start = performance.now();
      let hashes = 0;
      try {
        for (let i = 0; i < count; i++) {
          const mined = await mineOneBlock({ chain, pool, payoutScript: wallet.primary.scriptPubKey, now: wallClock, tag: 'cli' });
          if (!mined) break;
          hashes += mined.hashes;
          if (!values.json) process.stderr.write(`block ${mined.entry.height} ${mined.entry.id}\n`);
        }
      } finally {
        await pool.close();
      }
      const seconds = (performance.now() - start) / 1000;
      return {
        network: params.name,
        tip: chain.tip.id,
        height: chain.height,
        chainWork: chain.tip.chainWork.toString(16).padStart(64, '0'),
        bits: chain.tip.header.bits.toString(16).padStart(8, '0'),
        seconds: Math.round(seconds * 1000) / 1000,
        hashes,
        hashesPerSecond: Math.round(hashes / seconds),
        threads,
        payoutAddress: wallet.primary.address,
      };
    },
    print: (r) => {
      const x = r as { height: number; tip: string; seconds: number; hashesPerSecond: number; chainWork: string };
      return `mined to height ${x.height} in ${x.seconds}s (${x.hashesPerSecond} hashes/s); tip ${x.tip}; chain work 0x${x.chainWork.replace(/^0+/, '')}`;
    },
  },
};

/** The BIP-34 height from the coinbase, when the block is one that commits to it (version 2 or later, past activation). */
function bip34Height(block: Block, activation: number): number | null {
  const h = block.coinbaseHeight();
  return h !== null && block.header.version >= 2 && h >= activation ? h : null;
}

export function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

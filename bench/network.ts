// The simulated network's speed: blocks per wall-clock second in virtual time (five validating nodes, relay, traffic) against one chainstate connecting the same blocks.

import type { Block } from '../src/main/core/block.ts';
import { Chainstate } from '../src/main/core/chainstate.ts';
import { SignatureChecker } from '../src/main/core/signatures.ts';
import { wasmSchnorr } from '../src/main/crypto/fast-schnorr.ts';
import { Lab } from '../src/main/network/lab.ts';
import { VirtualScheduler } from '../src/main/network/scheduler.ts';
import { figure, type Figure } from './figure.ts';

const BLOCKS = 300;
const HONEST = 4;
const ATTACKER_SHARE = 0.2;
/** Payments per second of virtual time. */
const TRAFFIC_RATE = 2;

export function benchVirtualNetwork(): Figure {
  const lab = Lab.create({ mode: 'virtual', seed: 'bench/network', honest: HONEST, attackerShare: ATTACKER_SHARE });
  const scheduler = lab.scheduler;
  if (!(scheduler instanceof VirtualScheduler)) throw new Error('expected a virtual-time lab');
  const reference = lab.honestNodes()[0]!;
  const virtualStart = lab.now();
  const wallStart = performance.now();
  const traffic = lab.startTraffic({ rate: TRAFFIC_RATE });
  lab.miners.start();
  const reached = scheduler.runUntilCondition(() => reference.chain.height >= BLOCKS, 24 * 3_600_000);
  const wallMs = performance.now() - wallStart;
  const virtualMs = lab.now() - virtualStart;
  // Virtual labs hold no threads or timers: closing stops the miners and the traffic at once.
  void lab.close();
  if (!reached) throw new Error(`the network did not reach ${BLOCKS} blocks in a virtual day`);

  const chain = reference.chain;
  const blocks: Block[] = [];
  for (let h = 1; h <= chain.height; h++) blocks.push(chain.getBlock(chain.entryAtHeight(h)!.id)!);
  const txs = blocks.reduce((sum, b) => sum + b.txs.length - 1, 0);

  // One node, cold signature cache: the same blocks connected in order on a fresh chainstate.
  const clock = lab.now() / 1000;
  const fresh = new Chainstate(chain.params, { now: () => clock, checker: new SignatureChecker(wasmSchnorr) });
  const connectStart = performance.now();
  for (const b of blocks) {
    const r = fresh.processBlock(b);
    if (r.status !== 'connected') throw new Error(`replayed block ${r.id} not connected: ${r.status} ${r.code ?? ''}`);
  }
  const connectMs = performance.now() - connectStart;
  if (fresh.utxo.digest() !== chain.utxo.digest()) throw new Error('replayed UTXO set differs from the network node');

  const stats = traffic.stats;
  return figure(
    'network.virtualBlocks',
    'blocks/s',
    (blocks.length * 1000) / wallMs,
    { name: 'one chainstate connecting the same blocks (fresh signature cache)', value: (blocks.length * 1000) / connectMs },
    { min: 0.1 },
    `${HONEST} honest nodes + attacker at ${ATTACKER_SHARE}, traffic ${TRAFFIC_RATE} payments/s: ${blocks.length} blocks in ${(virtualMs / 60_000).toFixed(1)} virtual minutes ` +
      `(${(wallMs / 1000).toFixed(1)} s wall), ${(txs / blocks.length).toFixed(1)} txs/block, ${stats.sent} payments sent (${stats.noFunds} without funds, ${stats.refused} refused), ` +
      `${lab.testnet.network.stats.delivered} messages delivered; every node validates every block, so about 1/${HONEST + 1} of the baseline is the honest expectation`,
  );
}

// Double spend by a Nakamoto race: pay a merchant, mine a private branch that spends the coins back, publish when heavier.

import { z } from 'zod';
import type { BlockEntry } from '../core/chainstate.ts';
import { InputError } from '../core/errors.ts';
import { COIN } from '../core/params.ts';
import { ATTACKER, type Lab } from '../network/lab.ts';
import { honestStrategy } from '../miner/virtual-miners.ts';
import { PrivateBranch } from './private-branch.ts';
import type { Node } from '../node/node.ts';
import { outpointKey } from '../core/tx.ts';
import { maxDepths, reversedTxids, watchReorgs, type AttackDefinition, type ProgressListener } from './attack.ts';

export const doubleSpendParams = z.object({
  /** Confirmations the merchant waits for. */
  z: z.number().int().min(0).max(100).default(2),
  merchant: z.string().default('h0'),
  /** Satoshis paid. */
  amount: z.number().int().positive().default(10 * Number(COIN)),
  /** The attacker gives up when the honest branch leads by more than this many blocks. */
  giveUpDeficit: z.number().int().min(1).max(1000).default(6),
  /** ... or after this long on the lab clock. */
  timeoutMs: z.number().int().positive().default(60 * 60_000),
  feeRate: z.number().min(1).max(10_000).default(2),
});

export type DoubleSpendParams = z.infer<typeof doubleSpendParams>;

export interface DoubleSpendReport {
  attack: 'double-spend';
  success: boolean;
  gaveUp: boolean;
  reason: string;
  timeMs: number;
  q: number;
  z: number;
  payment: string;
  conflict: string;
  /** Honest and attacker branch lengths since the fork, at every block found. */
  branches: { t: number; honest: number; attacker: number }[];
  /** Deepest reorg each node went through. */
  reorgDepth: Record<string, number>;
  reversedTxids: string[];
  doubleSpent: string[];
  merchantTip: string;
}

export const doubleSpend: AttackDefinition<typeof doubleSpendParams, DoubleSpendReport> = {
  name: 'double-spend',
  title: 'Double spend (Nakamoto race)',
  summary: 'The attacker pays a merchant, waits until the merchant sees z confirmations, and meanwhile mines a private branch from before the payment that sends the same coins back to itself; it publishes once that branch has more work, and gives up past a deficit or a time limit.',
  params: doubleSpendParams,

  async run(lab: Lab, p: DoubleSpendParams, onProgress?: ProgressListener): Promise<DoubleSpendReport> {
    const attacker = lab.attacker;
    const miner = lab.attackerMiner;
    const merchant = lab.testnet.node(p.merchant);
    if (merchant.id === ATTACKER) throw new InputError('bad-merchant', 'merchant: expected an honest node, got the attacker');
    const start = lab.now();
    const progress = (phase: string, message: string, data?: Record<string, unknown>) =>
      onProgress?.({ attack: 'double-spend', t: lab.now() - start, phase, message, ...(data ? { data } : {}) });
    const wallet = lab.testnet.wallet(ATTACKER);
    const merchantWallet = lab.testnet.wallet(merchant.id);

    // 1. Funds: the attacker mines until it has a mature coin large enough to pay.
    progress('funding', 'attacker mines coins to pay with');
    const need = BigInt(p.amount) + 100_000n;
    for (let i = 0; wallet.balance(attacker.chain, attacker.mempool).confirmed < need; i++) {
      if (i > lab.testnet.params.coinbaseMaturity + 200) throw new InputError('no-funds', 'attacker could not fund the payment');
      await lab.mineNow(miner.id, 1);
    }
    const wasRunning = lab.miners.running;
    lab.miners.start();

    // 2. The payment, and the conflicting spend kept back for the private branch.
    const payment = wallet.createPayment({ chain: attacker.chain, mempool: attacker.mempool, to: [{ scriptPubKey: merchantWallet.primary.scriptPubKey, value: BigInt(p.amount) }], feeRate: p.feeRate, allowUnconfirmed: false });
    const conflict = wallet.createConflict(payment, { chain: attacker.chain, feeRate: p.feeRate * 2 });
    const fork = attacker.chain.tip;
    const conflictFee = payment.inputs.reduce((s, i) => s + attacker.chain.utxo.get(i.prevout)!.value, 0n) - conflict.totalOut();
    const branch = new PrivateBranch(fork, [{ txs: [conflict], fees: conflictFee }]);
    miner.strategy = branch;
    const reorgs = watchReorgs(lab);
    // The payment is handed to the merchant, whose node relays it; the attacker never relays it itself.
    merchant.submitTx(payment);
    progress('paid', `paid ${p.amount} sat to ${merchant.id}`, { payment: payment.id, conflict: conflict.id, fork: fork.id });

    const branches: DoubleSpendReport['branches'] = [];
    const honestLength = (): number => Math.max(0, merchant.chain.height - fork.height);
    const confirmations = (): number => {
      for (let h = fork.height + 1; h <= merchant.chain.height; h++) {
        const b = merchant.chain.getBlock(merchant.chain.entryAtHeight(h)!.id)!;
        if (b.txs.some((tx) => tx.id === payment.id)) return merchant.chain.height - h + 1;
      }
      return 0;
    };
    const offFound = lab.miners.events.on('blockFound', () => {
      branches.push({ t: lab.now() - start, honest: honestLength(), attacker: branch.blocks.length });
    });

    // 3. Race: publish once the merchant has z confirmations and the private branch is heavier.
    let published = false;
    let gaveUp = false;
    let reason = '';
    const decided = (): boolean => {
      if (!published && confirmations() >= p.z && branch.work(attacker) > branch.publicWork(attacker)) {
        published = true;
        branch.publish(attacker);
        progress('published', `published ${branch.blocks.length} private blocks`);
      }
      if (published && branch.adoptedBy(merchant)) return true;
      if (honestLength() - branch.blocks.length > p.giveUpDeficit) {
        gaveUp = true;
        reason = `honest branch ahead by more than ${p.giveUpDeficit} blocks`;
        return true;
      }
      return false;
    };
    const done = await lab.waitFor(decided, p.timeoutMs);
    if (!done && !published) {
      gaveUp = true;
      reason = `no heavier private branch within ${p.timeoutMs} ms`;
    }
    if (published) {
      // Let the reorg reach every node before reporting.
      await lab.waitFor(() => lab.testnet.converged(), 60_000);
    }
    offFound();
    reorgs.stop();
    miner.strategy = honestStrategy;
    if (!wasRunning) await lab.miners.stop();

    const merchantHasConflict = inActiveChain(merchant, conflict.id, fork);
    const merchantHasPayment = inActiveChain(merchant, payment.id, fork);
    const success = published && merchantHasConflict && !merchantHasPayment;
    if (success) reason = `merchant ${merchant.id} reorganised onto the attacker's branch; the payment is gone`;
    else if (published && !reason) reason = 'published, but the honest chain won the race';
    const doubleSpent = success ? payment.inputs.map((i) => outpointKey(i.prevout)) : [];
    progress('done', reason, { success });
    return {
      attack: 'double-spend',
      success,
      gaveUp,
      reason,
      timeMs: lab.now() - start,
      q: miner.share,
      z: p.z,
      payment: payment.id,
      conflict: conflict.id,
      branches,
      reorgDepth: maxDepths(reorgs.depths),
      reversedTxids: reversedTxids(reorgs.detached, merchant.chain),
      doubleSpent,
      merchantTip: merchant.chain.tip.id,
    };
  },
};

function inActiveChain(node: Node, txid: string, fork: BlockEntry): boolean {
  for (let h = fork.height + 1; h <= node.chain.height; h++) {
    const b = node.chain.getBlock(node.chain.entryAtHeight(h)!.id)!;
    if (b.txs.some((tx) => tx.id === txid)) return true;
  }
  return false;
}

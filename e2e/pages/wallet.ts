// Wallet: a row per node's wallet, and the send form (from, to, amount in satoshis, fee rate).

import type { Locator } from '@playwright/test';
import { BasePage } from './base.ts';

export class WalletPage extends BasePage {
  readonly rows = this.testId('wallet-row');
  readonly from = this.testId('send-from');
  readonly to = this.testId('send-to');
  readonly amount = this.testId('send-amount');
  readonly feeRate = this.testId('send-feerate');
  readonly sendButton = this.testId('send-button');
  readonly sentTxid = this.testId('sent-txid');

  async open(): Promise<void> {
    await this.goto('/wallet');
  }

  row(node: string): Promise<Locator> {
    return this.rowWith(this.rows, node);
  }

  async send(o: { from: string; to: string; amount: number; feeRate: number }): Promise<void> {
    await this.choose(this.from, o.from);
    await this.fill(this.to, o.to);
    await this.fill(this.amount, String(o.amount));
    await this.fill(this.feeRate, String(o.feeRate));
    await this.sendButton.click();
  }
}

// Address: balance, unspent outputs and history of one address in the selected node's view.

import { BasePage } from './base.ts';

export class AddressPage extends BasePage {
  readonly balance = this.testId('address-balance');
  readonly utxos = this.testId('address-utxos');
  readonly history = this.testId('address-history');

  async open(address: string): Promise<void> {
    await this.goto(`/address/${address}`);
  }
}

// Transaction: id, status (confirmed at a height, or unconfirmed), inputs linking to the outputs they spend,
// outputs with their provenance links and spenders.

import { BasePage } from './base.ts';

export class TxPage extends BasePage {
  readonly id = this.testId('tx-id');
  readonly status = this.testId('tx-status');
  readonly nodes = this.testId('tx-nodes');
  readonly inputs = this.testId('tx-inputs');
  readonly inputLinks = this.testId('tx-inputs').getByTestId('input-link');
  readonly outputs = this.testId('tx-outputs');
  readonly outputRows = this.testId('tx-outputs').getByTestId('output-row');

  async open(txid: string): Promise<void> {
    await this.goto(`/tx/${txid}`);
  }

  async txid(): Promise<string | null> {
    return BasePage.hash(await this.id.innerText());
  }

  /** The status shown: 'confirmed', 'mempool', 'stale' (only on a stale branch) or 'unknown'. */
  state(state: 'confirmed' | 'mempool' | 'stale' | 'unknown') {
    return this.status.locator(`[data-state="${state}"]`);
  }

  provenanceLink(vout: number) {
    return this.outputRows.nth(vout).getByTestId('provenance-link');
  }
}

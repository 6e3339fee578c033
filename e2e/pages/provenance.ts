// Provenance: the ancestry graph of a coin down to the coinbases it comes from, descendants, the taint policy.

import { BasePage } from './base.ts';

export class ProvenancePage extends BasePage {
  readonly graph = this.testId('provenance-graph');
  /** The transactions drawn in the ancestry graph. */
  readonly graphNodes = this.testId('provenance-graph').getByTestId('provenance-node');
  readonly coinbaseLeaves = this.testId('coinbase-leaf');
  readonly taintPolicy = this.testId('taint-policy');
  /** The walk's bounds: depth at most, transactions at most. */
  readonly depth = this.testId('provenance-depth');
  readonly size = this.testId('provenance-nodes');
  readonly descendantsTab = this.testId('descendants-tab');

  async open(coin: string): Promise<void> {
    await this.goto(`/provenance/${coin}`);
  }
}

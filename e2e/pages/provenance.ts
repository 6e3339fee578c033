// Provenance: the ancestry graph of a coin down to the coinbases it comes from, descendants, the taint policy.

import { BasePage } from './base.ts';

export class ProvenancePage extends BasePage {
  readonly graph = this.testId('provenance-graph');
  readonly coinbaseLeaves = this.testId('coinbase-leaf');
  readonly taintPolicy = this.testId('taint-policy');
  readonly descendantsTab = this.testId('descendants-tab');

  async open(coin: string): Promise<void> {
    await this.goto(`/provenance/${coin}`);
  }
}

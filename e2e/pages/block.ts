// Block: header fields, its transactions, which nodes hold it, and the "rewrite history from here" action.

import { BasePage, numberIn } from './base.ts';

export class BlockPage extends BasePage {
  readonly height = this.testId('block-height');
  readonly hashField = this.testId('block-hash');
  readonly txs = this.testId('block-txs');
  readonly txLinks = this.testId('block-txs').getByTestId('tx-link');
  readonly nodes = this.testId('block-nodes');
  readonly rewriteFromHere = this.testId('rewrite-from-here');

  async open(id: string | number): Promise<void> {
    await this.goto(`/block/${id}`);
  }

  async heightValue(): Promise<number> {
    return numberIn(await this.height.innerText());
  }

  async hashValue(): Promise<string | null> {
    return BasePage.hash(await this.hashField.innerText());
  }
}

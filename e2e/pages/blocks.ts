// Blocks: the list of a view's best chain, newest first, each row linking to its block.

import { BasePage } from './base.ts';

export class BlocksPage extends BasePage {
  readonly list = this.testId('blocks-list');
  readonly rows = this.testId('blocks-list').getByTestId('block-row');

  async open(): Promise<void> {
    await this.goto('/blocks');
  }
}

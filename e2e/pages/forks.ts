// Forks: the block tree across nodes, each node's tip, and the reorg history with each reorg's diff.

import { BasePage } from './base.ts';

export class ForksPage extends BasePage {
  readonly blockTree = this.testId('block-tree');
  readonly tipRows = this.testId('tip-row');
  readonly reorgRows = this.testId('reorg-row');

  async open(): Promise<void> {
    await this.goto('/forks');
  }
}

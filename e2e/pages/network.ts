// Network: topology, links (cut and restore), partition and heal, nodes (stop, start, add), shares, traffic, mining
// and the block interval.

import type { Locator } from '@playwright/test';
import { BasePage } from './base.ts';

export class NetworkPage extends BasePage {
  readonly topology = this.testId('topology-graph');
  readonly linkRows = this.testId('link-row');
  readonly partitionGroupA = this.testId('partition-group-a');
  readonly partitionButton = this.testId('partition-button');
  /** Link switches that are off (Element Plus marks an on switch `is-checked`). */
  readonly cutLinks = this.page.locator('[data-testid="link-row"] [data-testid="link-toggle"]:not(.is-checked)');
  readonly healButton = this.testId('heal-button');
  readonly nodeRows = this.testId('node-row');
  readonly shareSliders = this.testId('share-slider');
  readonly trafficRate = this.testId('traffic-rate');
  readonly mineCount = this.testId('mine-count');
  readonly mineButton = this.testId('mine-button');
  readonly addNodeButton = this.testId('add-node-button');
  /** The block interval field (virtual time), and the interval the status reports. */
  readonly blockInterval = this.testId('block-interval');
  readonly blockIntervalCurrent = this.testId('block-interval-current');
  /** Shown instead of the field in a real proof-of-work workspace: the interval is its consensus target spacing. */
  readonly blockIntervalFixed = this.testId('block-interval-fixed');

  async open(): Promise<void> {
    await this.goto('/network');
  }

  /** Splits the network: `groupA` against every other node. */
  async partition(groupA: string[]): Promise<void> {
    for (const id of groupA) await this.partitionGroupA.locator('.el-checkbox').filter({ hasText: new RegExp(`^\\s*${id}\\s*$`) }).click();
    await this.partitionButton.click();
  }

  async heal(): Promise<void> {
    await this.healButton.click();
  }

  /** Types a new mean block interval, in seconds, and applies it (the field applies on change). */
  async setBlockInterval(seconds: number): Promise<void> {
    await this.fill(this.blockInterval, String(seconds));
  }

  nodeRow(id: string): Promise<Locator> {
    return this.rowWith(this.nodeRows, id);
  }
}

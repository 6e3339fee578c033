// Dashboard: a card per node with its height, the live strip of the newest blocks, interval and share charts.

import type { Locator } from '@playwright/test';
import { BasePage, numberIn } from './base.ts';

export class DashboardPage extends BasePage {
  readonly nodeCards = this.testId('node-card');
  readonly blockStrip = this.testId('block-strip');
  readonly stripBlocks = this.testId('block-strip').getByTestId('strip-block');
  readonly intervalChart = this.testId('interval-chart');
  readonly shareChart = this.testId('share-chart');
  /** The interval the network aims for, beside the mean observed one. */
  readonly targetInterval = this.testId('target-interval');

  async open(): Promise<void> {
    await this.goto('/');
  }

  card(node: string): Locator {
    return this.nodeCards.filter({ has: this.page.getByTestId('node-id').filter({ hasText: new RegExp(`^\\s*${node}\\s*$`) }) });
  }

  /** Height shown by each node card, by node id. */
  async heights(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const card of await this.nodeCards.all()) {
      const id = (await card.getByTestId('node-id').innerText()).trim();
      out[id] = numberIn(await card.getByTestId('node-height').innerText());
    }
    return out;
  }
}

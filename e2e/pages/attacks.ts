// Attacks: a tab per scenario with its form (attacker share and the scenario's parameters), the live race chart,
// the report with reversed and double-spent transactions, theory curves, and the stored reports.

import type { Locator } from '@playwright/test';
import { BasePage } from './base.ts';

export type AttackName = 'double-spend' | 'rewrite' | 'selfish' | 'byzantine' | 'partition';

export class AttacksPage extends BasePage {
  // Every tab's form stays in the DOM: these are the ones of the tab shown.
  readonly attackerShare = this.visibleTestId('attacker-share');
  readonly start = this.visibleTestId('attack-start');
  readonly raceChart = this.visibleTestId('race-chart');
  readonly report = this.visibleTestId('attack-report');
  readonly reversedTxs = this.visibleTestId('attack-report').getByTestId('reversed-tx');
  readonly doubleSpentTxs = this.visibleTestId('attack-report').getByTestId('double-spent-tx');
  readonly theoryChart = this.visibleTestId('theory-chart');
  readonly reportRows = this.testId('report-row');

  async open(): Promise<void> {
    await this.goto('/attacks');
  }

  tab(name: AttackName): Locator {
    return this.testId(`attack-tab-${name}`);
  }

  param(name: string): Locator {
    return this.visibleTestId(`attack-param-${name}`);
  }

  async launch(name: AttackName, o: { attackerShare: number; params: Record<string, number | string> }): Promise<void> {
    await this.tab(name).click();
    await this.fill(this.attackerShare, String(o.attackerShare));
    for (const [k, v] of Object.entries(o.params)) await this.fill(this.param(k), String(v));
    await this.start.click();
  }
}

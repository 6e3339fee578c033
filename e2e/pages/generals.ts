// Generals: the Byzantine generals lab (OM and SM): parameters, the run, IC1 and IC2 verdicts, the rounds and
// messages, the violation search, message counts, and the replicas panel.

import { expect } from '@playwright/test';
import { BasePage } from './base.ts';

export class GeneralsPage extends BasePage {
  readonly n = this.testId('generals-n');
  readonly m = this.testId('generals-m');
  readonly traitors = this.testId('generals-traitors');
  readonly algo = this.testId('generals-algo');
  readonly strategy = this.testId('generals-strategy');
  readonly order = this.testId('generals-order');
  readonly runButton = this.testId('generals-run');
  readonly ic1 = this.testId('generals-ic1');
  readonly ic2 = this.testId('generals-ic2');
  readonly messages = this.testId('generals-messages');
  readonly rounds = this.testId('generals-rounds');
  readonly search = this.testId('generals-search');
  readonly countsChart = this.testId('generals-counts-chart');
  readonly replicasPanel = this.testId('replicas-panel');

  async open(): Promise<void> {
    await this.goto('/generals');
  }

  /** Runs one scenario; `traitors` are general numbers (0 is the commander). */
  async run(o: { algo: 'OM' | 'SM'; n: number; m: number; traitors: number[] }): Promise<void> {
    await this.choose(this.algo, o.algo);
    await this.fill(this.n, String(o.n));
    await this.fill(this.m, String(o.m));
    await this.setTraitors(o.traitors);
    await this.runButton.click();
  }

  /** The traitors control may be a text field ("1, 2"), a multi-select, or a checkbox group. */
  private async setTraitors(traitors: number[]): Promise<void> {
    const t = this.traitors;
    const checkboxes = t.locator('.el-checkbox, input[type=checkbox]');
    if ((await checkboxes.count()) > 0) {
      for (const box of await t.locator('.el-checkbox').all()) {
        const label = (await box.innerText()).trim();
        const want = traitors.some((x) => new RegExp(`^(?:G|general\\s*|L)?${x}$`, 'i').test(label));
        const checked = (await box.getAttribute('class'))?.includes('is-checked') ?? false;
        if (want !== checked) await box.click();
      }
      return;
    }
    if ((await t.locator('.el-select__wrapper, .el-select').count()) > 0 || (await t.getAttribute('class'))?.includes('el-select')) {
      // A multi-select: its chosen values show as tags ("0 (commander)", "1"); remove the unwanted, add the missing.
      const label = (x: number): RegExp => new RegExp(`^\\s*${x}(\\s*\\(commander\\))?\\s*$`);
      const chosen = (await t.locator('.el-tag').allInnerTexts()).map((x) => Number.parseInt(x, 10));
      for (const x of chosen.filter((c) => !traitors.includes(c))) await t.locator('.el-tag').filter({ hasText: label(x) }).locator('.el-tag__close').click();
      const missing = traitors.filter((x) => !chosen.includes(x));
      if (missing.length > 0) {
        await t.click();
        for (const x of missing) await this.page.locator('.el-select-dropdown__item:visible').filter({ hasText: label(x) }).first().click();
        await this.page.keyboard.press('Escape');
      }
      await expect(t.locator('.el-tag')).toHaveCount(traitors.length);
      return;
    }
    await this.fill(t, traitors.join(','));
  }
}

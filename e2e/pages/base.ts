// What every page object shares: the page, routing, reload, and the form helpers that work whether a data-testid
// sits on a native control or on an Element Plus wrapper (el-input, el-select, el-radio-group).

import { expect, type Locator, type Page } from '@playwright/test';

export type Goto = (route: string) => Promise<void>;

export abstract class BasePage {
  readonly page: Page;
  protected readonly goto: Goto;

  constructor(page: Page, goto: Goto) {
    this.page = page;
    this.goto = goto;
  }

  testId(id: string): Locator {
    return this.page.getByTestId(id);
  }

  /** The visible elements with this test id (views with tabs keep every tab's panel in the DOM). */
  visibleTestId(id: string): Locator {
    return this.page.locator(`[data-testid="${id}"]:visible`);
  }

  /** Reloads and waits for the app to be back (the navigation is drawn once the API answers). */
  async reload(): Promise<void> {
    await this.page.reload();
    await expect(this.page.getByTestId('nav')).toBeVisible();
  }

  /**
   * The row among `rows` whose cells include `word` as a whole cell word (`h1`, not `h10` or `h1bcrt…`): matched on
   * innerText, which separates cells, rather than on textContent, which runs them together.
   */
  async rowWith(rows: Locator, word: string): Promise<Locator> {
    await expect(rows.first()).toBeVisible();
    const texts = await rows.allInnerTexts();
    const i = texts.findIndex((t) => t.split(/[\s·,:|→↔-]+/).includes(word));
    expect(i, `a row showing ${word} among: ${texts.join(' / ')}`).toBeGreaterThanOrEqual(0);
    return rows.nth(i);
  }

  /** Writes `value` into a field: the element itself when it is an input, else the input inside it. */
  async fill(field: Locator, value: string): Promise<void> {
    const tag = await field.evaluate((e) => e.tagName);
    const target = tag === 'INPUT' || tag === 'TEXTAREA' ? field : field.locator('input, textarea').first();
    await target.fill(value);
    await target.press('Tab');
  }

  /** Picks `option` in a native select, a radio group, or an el-select (whose options live in a popper). */
  async choose(field: Locator, option: string): Promise<void> {
    const tag = await field.evaluate((e) => e.tagName);
    if (tag === 'SELECT') {
      await field.selectOption({ label: option }).catch(() => field.selectOption(option));
      return;
    }
    // Radio labels may explain the value ("OM(m) oral"): the label starts with the option as a word.
    const radio = field.locator('.el-radio-button, .el-radio, [role=radio]').filter({ hasText: new RegExp(`^\\s*${escape(option)}(?![\\w])`, 'i') });
    if ((await radio.count()) > 0) {
      await radio.first().click();
      return;
    }
    await field.click();
    const item = this.page.locator('.el-select-dropdown__item:visible, [role=option]:visible').filter({ hasText: new RegExp(`^\\s*${escape(option)}\\s*$`, 'i') });
    await item.first().click();
  }

  /** The first 64-hex string in a text (ids may be shown whole or inside other words). */
  static hash(text: string): string | null {
    return /[0-9a-f]{64}/i.exec(text)?.[0]?.toLowerCase() ?? null;
  }
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The number in a text ("Height 1,234" -> 1234). */
export function numberIn(text: string): number {
  const m = /-?\d[\d,\s]*/.exec(text);
  return m ? Number(m[0].replace(/[,\s]/g, '')) : Number.NaN;
}

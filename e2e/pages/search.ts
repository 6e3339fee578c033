// The search box in the header (`/` focuses it) and the results page for queries with several answers.

import { BasePage } from './base.ts';

export class SearchPage extends BasePage {
  readonly box = this.testId('search');
  readonly results = this.testId('search-result');

  async search(q: string): Promise<void> {
    await this.page.locator('body').press('/');
    const input = this.box.locator('input').or(this.page.locator('input[data-testid="search"]')).first();
    await input.fill(q);
    await input.press('Enter');
  }

  async open(q: string): Promise<void> {
    await this.goto(`/search/${encodeURIComponent(q)}`);
  }
}

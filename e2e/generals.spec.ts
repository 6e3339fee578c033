// The Byzantine generals lab: oral messages with one traitor among three generals break IC; among four they hold.

import { expect, test } from './fixtures.ts';
import { GeneralsPage } from './pages/generals.ts';

test('OM(1) with n = 3 and a traitorous lieutenant breaks IC; with n = 4 it holds', async ({ page, goto }) => {
  const generals = new GeneralsPage(page, goto);
  await generals.open();
  // Lieutenant 1 lies: with three generals the loyal lieutenant cannot tell a lying lieutenant from a lying commander.
  await generals.run({ algo: 'OM', n: 3, m: 1, traitors: [1] });
  await expect(generals.ic1).toContainText(/holds|broken/);
  await expect(generals.ic2).toHaveText(/broken/);
  await expect(generals.rounds).toBeVisible();
  await expect(generals.messages).toContainText(/\d/);

  await generals.run({ algo: 'OM', n: 4, m: 1, traitors: [1] });
  await expect(generals.ic1).toHaveText(/holds/);
  await expect(generals.ic2).toHaveText(/holds/);
});

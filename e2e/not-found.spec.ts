// Unknown things get a clear "not found" state (and no console error): a block past the tip, a txid nobody has
// seen, a coin that does not exist.

import { expect, test } from './fixtures.ts';

const NOBODY = '00'.repeat(32);

for (const [what, route] of [
  ['a block past the tip', '/block/99999999'],
  ['an unknown block hash', `/block/${NOBODY}`],
  ['an unknown transaction', `/tx/${NOBODY}`],
  ['an unknown coin', `/provenance/${NOBODY}:0`],
] as const) {
  test(`${what} shows "not found"`, async ({ page, goto }) => {
    await goto(route);
    await expect(page.getByRole('main')).toContainText(/not found/i);
  });
}

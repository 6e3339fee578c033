// Send a payment from the wallet view and watch it go from the mempool into a block.

import { expect, test } from './fixtures.ts';
import { TxPage } from './pages/tx.ts';
import { WalletPage } from './pages/wallet.ts';

test('send a payment and see it confirm', async ({ page, goto, lab }) => {
  const wallet = new WalletPage(page, goto);
  await wallet.open();
  await expect(wallet.rows).toHaveCount(5);
  const h1 = (await lab.call('wallet.list', {})).find((w) => w.node === 'h1')!;
  await expect(await wallet.row('h1')).toContainText(h1.address.slice(0, 12));
  await wallet.send({ from: 'h0', to: h1.address, amount: 123_456, feeRate: 3 });
  await expect(wallet.sentTxid).toBeVisible();
  const txid = TxPage.hash(await wallet.sentTxid.innerText());
  expect(txid).toMatch(/^[0-9a-f]{64}$/);
  await wallet.sentTxid.click();
  await expect(page).toHaveURL(new RegExp(`#/tx/${txid}`));
  const tx = new TxPage(page, goto);
  // At once: the transaction page knows the payment (in the mempool, or already in a block), never "not found".
  await expect(tx.id).toContainText(txid!, { timeout: 5_000 });
  await expect(tx.status).toHaveText(/confirmed/, { timeout: 5_000 });
  // Confirmed at a height, within a few blocks (about 5 s each); the view follows the chain by itself.
  await expect(tx.status).toHaveText(/\bconfirmed\b[^]*\d/, { timeout: 60_000 });
  await expect(tx.status).not.toContainText('unconfirmed');
  await expect(tx.outputRows.filter({ hasText: h1.address.slice(0, 12) })).toHaveCount(1);
});

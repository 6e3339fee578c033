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

test('a payment waiting in the mempool: the transaction page says since when and at what fee rate', async ({ page, goto, lab }) => {
  const h1 = (await lab.call('wallet.list', {})).find((w) => w.node === 'h1')!;
  // With mining paused nothing confirms it: the payment stays in the mempools while the page is checked.
  await lab.call('mining.setRunning', { running: false });
  try {
    const sent = await lab.call('wallet.send', { node: 'h0', to: h1.address, amount: '54321', feeRate: 4 });
    const tx = new TxPage(page, goto);
    await tx.open(sent.txid);
    await expect(tx.id).toContainText(sent.txid);
    await expect(tx.state('mempool')).toBeVisible();
    await expect(tx.status).toContainText("in h0's mempool since");
    await expect(tx.status).toContainText(/fee rate \d+\.\d\d sat\/vB/);
    const shown = Number(/fee rate (\d+\.\d\d)/.exec(await tx.status.innerText())![1]);
    expect(shown).toBeCloseTo(Number(sent.fee) / sent.vsize, 1);
    await expect(page.getByTestId('not-found')).toHaveCount(0);
    // The payment reaches the other nodes' mempools too.
    await expect(tx.nodes).toContainText('in its mempool');
  } finally {
    await lab.call('mining.setRunning', { running: true });
  }
});

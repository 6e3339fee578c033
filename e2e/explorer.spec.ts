// Explorer flows: search a height and open the block; open a transaction and follow an input to the transaction
// it spends; the provenance graph of a coin reaches its coinbases.

import type { LabApi } from './api.ts';
import { expect, test } from './fixtures.ts';
import { BlockPage } from './pages/block.ts';
import { ProvenancePage } from './pages/provenance.ts';
import { SearchPage } from './pages/search.ts';
import { TxPage } from './pages/tx.ts';

/** A confirmed payment (not a coinbase) on h0's best chain: the traffic generator makes them (0.5 a second). */
async function confirmedPayment(lab: LabApi): Promise<{ txid: string; block: string }> {
  let found: { txid: string; block: string } | null = null;
  await expect
    .poll(
      async () => {
        for (const b of await lab.call('explorer.latestBlocks', { node: 'h0', limit: 30 })) {
          if ((b.txCount ?? 0) < 2) continue;
          const info = await lab.call('explorer.block', { node: 'h0', id: b.hash });
          if (info && info.txids.length > 1) found = { txid: info.txids[1]!, block: info.hash };
        }
        return found;
      },
      { timeout: 90_000, intervals: [1_000] },
    )
    .not.toBeNull();
  return found!;
}

test('search a height and open the block', async ({ page, goto, lab }) => {
  const height = Math.max(1, (await lab.status()).nodes.find((n) => n.id === 'h0')!.height - 3);
  await goto('/');
  const search = new SearchPage(page, goto);
  await search.search(String(height));
  await expect(page).toHaveURL(/#\/block\//);
  const block = new BlockPage(page, goto);
  await expect(block.height).toHaveText(new RegExp(`^\\s*${height.toLocaleString('en-US').replace(/,/g, ',?')}\\s*$`));
  const expected = await lab.call('explorer.block', { node: 'h0', id: height });
  expect(await block.hashValue()).toBe(expected!.hash);
  await expect(block.txLinks.first()).toBeVisible();
  await expect(block.nodes).toContainText('h0');
});

test('open a transaction and follow an input to the transaction it spends', async ({ page, goto, lab }) => {
  const payment = await confirmedPayment(lab);
  const block = new BlockPage(page, goto);
  await block.open(payment.block);
  const link = block.txLinks.filter({ hasText: payment.txid.slice(0, 8) });
  await expect(link.first()).toBeVisible();
  await link.first().click();
  const tx = new TxPage(page, goto);
  await expect(tx.id).toContainText(payment.txid);
  await expect(tx.status).toContainText(/\bconfirmed\b/);
  const info = await lab.call('explorer.tx', { node: 'h0', txid: payment.txid });
  const spent = info!.inputs[0]!.prevTxid!;
  await expect(tx.inputLinks).toHaveCount(info!.inputs.length);
  await tx.inputLinks.first().click();
  await expect(page).toHaveURL(new RegExp(`#/tx/${spent}`));
  await expect(tx.id).toContainText(spent);
  // The output the payment spends shows its spender, linking back.
  await expect(tx.outputRows.nth(info!.inputs[0]!.prevVout!).getByTestId('spent-by-link')).toBeVisible();
});

test('the provenance graph of a coin shows its coinbase leaves', async ({ page, goto, lab }) => {
  const payment = await confirmedPayment(lab);
  const tx = new TxPage(page, goto);
  await tx.open(payment.txid);
  await expect(tx.outputRows.first()).toBeVisible();
  await tx.provenanceLink(0).click();
  await expect(page).toHaveURL(new RegExp(`#/provenance/${payment.txid}(:|%3A)0`, 'i'));
  const provenance = new ProvenancePage(page, goto);
  await expect(provenance.graph).toBeVisible();
  const ancestry = await lab.call('provenance.ancestry', { node: 'h0', coin: `${payment.txid}:0` });
  expect(ancestry!.coinbases.length).toBeGreaterThan(0);
  await expect(provenance.coinbaseLeaves).toHaveCount(ancestry!.coinbases.length);
  // One drawn transaction per transaction of the ancestry; a click on the coin's own opens it.
  await expect(provenance.graphNodes).toHaveCount(ancestry!.nodes.length);
  const leaf = ancestry!.coinbases[0]!;
  await expect(provenance.coinbaseLeaves.first()).toContainText(leaf.txid.slice(0, 8));
  await expect(provenance.coinbaseLeaves.first()).toContainText(String(leaf.height));
  await expect(provenance.taintPolicy).toBeVisible();

  // A tighter bound: depth 0 keeps the coin's own transaction only, as the engine walks it; the URL keeps the bound.
  const shallow = await lab.call('provenance.ancestry', { node: 'h0', coin: `${payment.txid}:0`, maxDepth: 0 });
  await provenance.fill(provenance.depth, '0');
  await expect(page).toHaveURL(/[?&]depth=0\b/);
  await expect(provenance.graphNodes).toHaveCount(shallow!.nodes.length);
  await expect(provenance.coinbaseLeaves).toHaveCount(shallow!.coinbases.length);

  // Leaving the explorer takes the graph out of the page (and disposes of cytoscape's instance); back again, the graph
  // is drawn anew.
  await goto('/');
  await expect(page.getByTestId('node-card').first()).toBeVisible();
  await expect(page.locator('.provenance-graph-canvas')).toHaveCount(0);
  await page.goBack();
  await expect(provenance.graphNodes).toHaveCount(shallow!.nodes.length);
  await expect(provenance.graph.locator('.provenance-graph-canvas canvas').first()).toBeVisible();
});

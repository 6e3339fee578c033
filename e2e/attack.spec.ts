// A double spend with 60% of the hash power: the attacker's private branch wins, the merchant reorganises, and
// the report links the reversed payment.

import { expect, test } from './fixtures.ts';
import { AttacksPage } from './pages/attacks.ts';
import { ForksPage } from './pages/forks.ts';
import { TxPage } from './pages/tx.ts';

test('a double-spend attack with a 60% attacker ends in a reorg and the report lists the reversed transaction', async ({ page, goto, lab }) => {
  test.setTimeout(240_000); // waits on mined blocks: generous for a slow CI machine
  const reportsBefore = (await lab.call('attacks.reports', {})).length;
  const attacks = new AttacksPage(page, goto);
  await attacks.open();
  await attacks.launch('double-spend', { attackerShare: 0.6, params: { z: 1 } });
  await expect(attacks.raceChart).toBeVisible();
  // Virtual time: funding, one confirmation and the race take well under a minute.
  await expect(attacks.report).toBeVisible({ timeout: 90_000 });
  const stored = await lab.call('attacks.reports', {});
  expect(stored.length).toBe(reportsBefore + 1);
  const record = await lab.call('attacks.report', { id: stored[0]!.id });
  const report = record!.report as { success: boolean; payment: string; reversedTxids: string[]; reorgDepth: Record<string, number> };
  expect(report.success, 'a 60% attacker against one confirmation wins').toBe(true);
  await expect(attacks.reversedTxs).toHaveCount(report.reversedTxids.length);
  await expect(attacks.reversedTxs.filter({ hasText: report.payment.slice(0, 8) })).toHaveCount(1);
  await expect(attacks.doubleSpentTxs.first()).toBeVisible();
  await expect(attacks.reportRows.first()).toBeVisible();

  await attacks.reversedTxs.filter({ hasText: report.payment.slice(0, 8) }).click();
  await expect(page).toHaveURL(new RegExp(`#/tx/${report.payment}`));
  const tx = new TxPage(page, goto);
  await expect(tx.status).toContainText('unconfirmed');

  const forks = new ForksPage(page, goto);
  await forks.open();
  await expect(forks.blockTree).toBeVisible();
  // The merchant's reorg, with the payment among the transactions that lost their coins to the attacker's branch.
  expect(report.reorgDepth.h0).toBeGreaterThan(0);
  await expect(forks.reorgRows.filter({ hasText: report.payment.slice(0, 8) }).first()).toBeVisible();

  // The lab keeps working after the attack: the honest miners extend the merchant's new chain (blocks every ~5 s).
  const h0 = async (): Promise<number> => (await lab.status()).nodes.find((n) => n.id === 'h0')!.height;
  const settled = await h0();
  await expect.poll(h0, { timeout: 60_000, intervals: [1_000], message: 'the network keeps mining after the attack' }).toBeGreaterThan(settled + 1);
});

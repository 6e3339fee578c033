// Every view reads what it shows from its route and the API: after a reload it shows the same thing.

import type { Locator } from '@playwright/test';
import type { LabApi } from './api.ts';
import { expect, test } from './fixtures.ts';
import type { Goto } from './pages/base.ts';
import { AddressPage } from './pages/address.ts';
import { AttacksPage } from './pages/attacks.ts';
import { BlockPage } from './pages/block.ts';
import { BlocksPage } from './pages/blocks.ts';
import { DashboardPage } from './pages/dashboard.ts';
import { ForksPage } from './pages/forks.ts';
import { GeneralsPage } from './pages/generals.ts';
import { NetworkPage } from './pages/network.ts';
import { ProvenancePage } from './pages/provenance.ts';
import { TxPage } from './pages/tx.ts';
import { WalletPage } from './pages/wallet.ts';
import { WorkspacesPage } from './pages/workspaces.ts';
import type { Page } from '@playwright/test';

interface View {
  name: string;
  /** Opens the view and returns the elements that must be there before and after the reload. */
  open(page: Page, goto: Goto, lab: LabApi): Promise<Locator[]>;
}

const VIEWS: View[] = [
  { name: 'dashboard', open: async (p, g) => { const v = new DashboardPage(p, g); await v.open(); return [v.nodeCards.first(), v.blockStrip, v.stripBlocks.first()]; } },
  { name: 'blocks', open: async (p, g) => { const v = new BlocksPage(p, g); await v.open(); return [v.list, v.rows.first()]; } },
  {
    name: 'block',
    open: async (p, g) => {
      const v = new BlockPage(p, g);
      await v.open(5);
      await expect(v.height).toHaveText(/^\s*5\s*$/);
      return [v.height, v.hashField, v.txLinks.first()];
    },
  },
  {
    name: 'tx',
    open: async (p, g, lab) => {
      const block = await lab.call('explorer.block', { node: 'h0', id: 3 });
      const v = new TxPage(p, g);
      await v.open(block!.txids[0]!);
      await expect(v.id).toContainText(block!.txids[0]!);
      return [v.id, v.status, v.outputRows.first()];
    },
  },
  {
    name: 'address',
    open: async (p, g, lab) => {
      const w = (await lab.call('wallet.list', {})).find((x) => x.node === 'h0')!;
      const v = new AddressPage(p, g);
      await v.open(w.address);
      return [v.balance, v.utxos, v.history];
    },
  },
  {
    name: 'provenance',
    open: async (p, g, lab) => {
      const block = await lab.call('explorer.block', { node: 'h0', id: 2 });
      const v = new ProvenancePage(p, g);
      await v.open(`${block!.txids[0]}:0`);
      return [v.graph, v.coinbaseLeaves.first()];
    },
  },
  { name: 'forks', open: async (p, g) => { const v = new ForksPage(p, g); await v.open(); return [v.blockTree, v.tipRows.first()]; } },
  { name: 'network', open: async (p, g) => { const v = new NetworkPage(p, g); await v.open(); return [v.topology, v.nodeRows.first(), v.linkRows.first()]; } },
  { name: 'wallet', open: async (p, g) => { const v = new WalletPage(p, g); await v.open(); return [v.rows.first(), v.sendButton]; } },
  { name: 'attacks', open: async (p, g) => { const v = new AttacksPage(p, g); await v.open(); return [v.tab('double-spend'), v.start, v.theoryChart]; } },
  { name: 'workspaces', open: async (p, g) => { const v = new WorkspacesPage(p, g); await v.open(); return [v.current, v.create]; } },
  { name: 'generals', open: async (p, g) => { const v = new GeneralsPage(p, g); await v.open(); return [v.n, v.runButton]; } },
];

for (const view of VIEWS) {
  test(`the ${view.name} view survives a reload`, async ({ page, goto, lab }) => {
    const parts = await view.open(page, goto, lab);
    for (const part of parts) await expect(part).toBeVisible();
    const url = page.url();
    const texts = await Promise.all(parts.map((p) => p.innerText()));
    await page.reload();
    expect(page.url()).toBe(url);
    for (const part of parts) await expect(part).toBeVisible();
    // Static parts (ids, headings) read the same; live numbers may have moved on, so only the first, stable line is compared.
    const stable = (all: string[]): string[] => all.map(firstLine).filter(isStable);
    await expect.poll(async () => stable(await Promise.all(parts.map((p) => p.innerText())))).toEqual(stable(texts));
  });
}

const firstLine = (s: string): string => s.trim().split('\n')[0]!.trim();
/** Lines without numbers that move (heights, ages, counts): hashes and labels. */
const isStable = (s: string): boolean => /^[0-9a-f]{64}$/i.test(s) || !/\d/.test(s);

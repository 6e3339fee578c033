// Routes of the explorer and the lab. Hash history: the same URLs work from file:// in Electron and over http.
// A navigation to an explorer page starts that page's query at once (routeData.ts) and waits briefly for its answer,
// and the explorer pages' code is loaded at start, so following a link between them never waits for a chunk.

import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import { prefetchRoute } from './routeData';
import { useAppStore } from './stores/app';

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'dashboard', component: () => import('./views/DashboardView.vue'), meta: { title: 'Dashboard' } },
  { path: '/blocks', name: 'blocks', component: () => import('./views/BlocksView.vue'), meta: { title: 'Blocks' } },
  { path: '/block/:id', name: 'block', component: () => import('./views/BlockView.vue'), meta: { title: 'Block' } },
  { path: '/tx/:txid', name: 'tx', component: () => import('./views/TxView.vue'), meta: { title: 'Transaction' } },
  { path: '/address/:address', name: 'address', component: () => import('./views/AddressView.vue'), meta: { title: 'Address' } },
  { path: '/search/:q', name: 'search', component: () => import('./views/SearchView.vue'), meta: { title: 'Search' } },
  { path: '/provenance/:coin', name: 'provenance', component: () => import('./views/ProvenanceView.vue'), meta: { title: 'Provenance' } },
  { path: '/forks', name: 'forks', component: () => import('./views/ForksView.vue'), meta: { title: 'Forks' } },
  { path: '/network', name: 'network', component: () => import('./views/NetworkView.vue'), meta: { title: 'Network' } },
  { path: '/wallet', name: 'wallet', component: () => import('./views/WalletView.vue'), meta: { title: 'Wallet' } },
  { path: '/attacks', name: 'attacks', component: () => import('./views/AttacksView.vue'), meta: { title: 'Attacks' } },
  { path: '/workspaces', name: 'workspaces', component: () => import('./views/WorkspacesView.vue'), meta: { title: 'Workspaces' } },
  { path: '/generals', name: 'generals', component: () => import('./views/GeneralsView.vue'), meta: { title: 'Generals' } },
  { path: '/:rest(.*)*', redirect: '/' },
];

export const router = createRouter({ history: createWebHashHistory(), routes });

/** How long a navigation waits for the new page's answer before showing the page in its loading state. */
const WAIT_FOR_DATA_MS = 150;

router.beforeEach(async (to, from) => {
  // A change of the query string alone (a tab, the provenance bounds) keeps the view, which reloads by itself.
  if (to.name === from.name && JSON.stringify(to.params) === JSON.stringify(from.params)) return;
  const answered = prefetchRoute(to, useAppStore().node);
  // Fetching before navigation: the old page stays while the answer comes (usually a few milliseconds), and the new
  // one mounts with its content in one go, rather than mounting a skeleton and then replacing it.
  if (answered) await Promise.race([answered, new Promise((resolve) => setTimeout(resolve, WAIT_FOR_DATA_MS))]);
});

router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? '')} · Forklab`;
});

/** The explorer's pages, whose code loads at start: one links to the next (block, transaction, provenance…). */
const EXPLORER = new Set(['blocks', 'block', 'tx', 'address', 'search', 'provenance']);

/**
 * Loads the explorer pages' code (small chunks) right away, so following a link never waits for one. The lab's views
 * load when first opened: their chunks carry ECharts and cytoscape, whose evaluation would stall a navigation under way.
 */
export function preloadExplorerViews(): void {
  for (const r of routes) if (EXPLORER.has(String(r.name)) && typeof r.component === 'function') void (r.component as () => Promise<unknown>)();
}

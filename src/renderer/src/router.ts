// Routes of the explorer and the lab. Hash history: the same URLs work from file:// in Electron and over http.
// A navigation to an explorer page starts that page's query at once (routeData.ts) and waits briefly for its answer,
// and the explorer pages' code is loaded at start (the provenance page's from a page linking to it, when the app
// starts on the dashboard), so following a link between them never waits for a chunk.

import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import { provenanceCanvasHandle } from './components/explorer/provenanceCanvasHandle';
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
/** Explorer pages whose code takes a long task to evaluate: the provenance page brings cytoscape (~0.9 MB). */
const HEAVY = new Set(['provenance']);
/** The pages that link to a coin's provenance. */
const LINK_TO_PROVENANCE = new Set(['tx', 'address', 'provenance']);

/**
 * Loads the explorer pages' code right away, so following a link never waits for one; `heavy` false leaves out the
 * provenance page, loaded then from the first page that links to it. The lab's views load when first opened: their
 * chunks carry ECharts and cytoscape, whose evaluation would stall a navigation under way.
 */
export function preloadExplorerViews(heavy = true): void {
  for (const r of routes) {
    const name = String(r.name);
    if (EXPLORER.has(name) && (heavy || !HEAVY.has(name)) && typeof r.component === 'function') void (r.component as () => Promise<unknown>)();
  }
}

router.afterEach((to) => {
  const name = String(to.name);
  if (LINK_TO_PROVENANCE.has(name)) {
    // In an idle moment: the provenance page's code (if the start left it out), then the graph's instance.
    requestIdleCallback(
      () => {
        preloadExplorerViews(true);
        void import('./components/explorer/provenanceGraphCanvas').then((m) => m.prepareProvenanceCanvas());
      },
      { timeout: 2000 },
    );
  } else if (!EXPLORER.has(name)) {
    // Leaving the explorer (the dashboard, the lab): cytoscape's draw loop stops with its instance. After the old page
    // has unmounted (Vue patches in a microtask) and so released the graph.
    setTimeout(() => provenanceCanvasHandle.dispose?.(), 0);
  }
});

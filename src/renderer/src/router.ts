// Routes of the explorer and the lab. Hash history: the same URLs work from file:// in Electron and over http.

import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';

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

router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? '')} · Forklab`;
});

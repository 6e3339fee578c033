// Renderer entry: Vue with Pinia, the router and the Element Plus components the views use (plain CSS, so the strict
// CSP holds), then the app; then the explorer pages' code loads (on the dashboard, once it has painted the engine's status).

import { createApp, watch } from 'vue';
import { createPinia } from 'pinia';
import 'element-plus/dist/index.css';
import 'element-plus/theme-chalk/dark/css-vars.css';
import App from './App.vue';
import { elementPlus } from './elementPlus';
import { preloadExplorerViews, router } from './router';
import { useAppStore } from './stores/app';
import './styles.css';

createApp(App).use(createPinia()).use(router).use(elementPlus).mount('#app');

/**
 * Runs `then` once the first page shows the engine's status, in an idle moment after the frame that painted it:
 * evaluating the preloaded chunks (the provenance page brings cytoscape) must not delay the first screen.
 */
function afterFirstStatus(then: () => void): void {
  const store = useAppStore();
  const stop = watch(
    () => store.status !== null,
    (ready) => {
      if (!ready) return;
      queueMicrotask(() => stop());
      requestAnimationFrame(() => requestIdleCallback(then, { timeout: 1000 }));
    },
    { immediate: true },
  );
}

// Another first page (a link, a reload) preloads at once: its next navigation is likely an explorer one.
// The dashboard leaves the provenance page's code (cytoscape) to the first page that links to it: evaluating it is a
// long task, and the dashboard is where the app starts and stays.
void router.isReady().then(() => (router.currentRoute.value.name === 'dashboard' ? afterFirstStatus(() => preloadExplorerViews(false)) : preloadExplorerViews()));

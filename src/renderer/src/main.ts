// Renderer entry: Vue with Pinia, the router and the Element Plus components the views use (plain CSS, so the strict
// CSP holds), then the app; once the first page is routed, the other explorer pages' code loads.

import { createApp } from 'vue';
import { createPinia } from 'pinia';
import 'element-plus/dist/index.css';
import 'element-plus/theme-chalk/dark/css-vars.css';
import App from './App.vue';
import { elementPlus } from './elementPlus';
import { preloadExplorerViews, router } from './router';
import './styles.css';

createApp(App).use(createPinia()).use(router).use(elementPlus).mount('#app');
void router.isReady().then(preloadExplorerViews);

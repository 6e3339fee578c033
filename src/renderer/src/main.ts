// Renderer entry: Vue with Pinia, the router and Element Plus (plain CSS, so the strict CSP holds), then the app.

import { createApp } from 'vue';
import { createPinia } from 'pinia';
import ElementPlus from 'element-plus';
import 'element-plus/dist/index.css';
import 'element-plus/theme-chalk/dark/css-vars.css';
import App from './App.vue';
import { router } from './router';
import './styles.css';

createApp(App).use(createPinia()).use(router).use(ElementPlus).mount('#app');

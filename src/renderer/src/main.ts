// Renderer entry: creates the Vue app with its Pinia store and mounts it.

import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import './styles.css';

createApp(App).use(createPinia()).mount('#app');

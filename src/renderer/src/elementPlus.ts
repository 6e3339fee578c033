// Registers the Element Plus components the views use (elementPlusComponents.ts) by name, instead of the whole
// library: the entry chunk carries only these.

import type { App, Component } from 'vue';
import * as components from './elementPlusComponents';

export const elementPlus = {
  install(app: App): void {
    for (const [name, component] of Object.entries(components)) app.component(name, component as Component);
  },
};

// Build configuration for the three Electron targets: main process, sandboxed preload, and the Vue renderer.

import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';
import type { Plugin } from 'vite';
import { rendererContentSecurityPolicy } from './src/shared/csp.ts';

const root = import.meta.dirname;

/** Native or WebAssembly-backed packages that must be loaded from node_modules at run time, never bundled. */
const runtimeExternals = ['better-sqlite3', 'tiny-secp256k1'];

/** Placeholder in src/renderer/index.html that receives the renderer's Content-Security-Policy. */
const CSP_PLACEHOLDER = '%FORKLAB_CSP%';

/** Fills in the CSP meta tag of index.html: strict when built, relaxed for the dev server's inline styles and HMR. */
function contentSecurityPolicyMeta(): Plugin {
  let dev = false;
  return {
    name: 'forklab:csp-meta',
    configResolved(config) {
      dev = config.command === 'serve';
    },
    transformIndexHtml: {
      order: 'pre',
      handler(html) {
        if (!html.includes(CSP_PLACEHOLDER)) throw new Error(`index.html: expected a ${CSP_PLACEHOLDER} meta tag`);
        return html.replace(CSP_PLACEHOLDER, rendererContentSecurityPolicy({ dev }));
      },
    },
  };
}

export default defineConfig({
  main: {
    build: {
      // Dependencies stay in node_modules (electron-vite's default); these two are listed so it never changes.
      externalizeDeps: { include: runtimeExternals },
      rolldownOptions: {
        // Worker threads are entries of their own: src/main/worker-url.ts finds them beside index.js.
        input: {
          index: resolve(root, 'src/main/index.ts'),
          'pow-worker': resolve(root, 'src/main/miner/pow-worker.ts'),
          'verify-worker': resolve(root, 'src/main/crypto/verify-worker.ts'),
          'index-verify-worker': resolve(root, 'src/main/workspace/verify-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      rolldownOptions: {
        input: { index: resolve(root, 'src/preload/index.ts') },
        // A sandboxed preload runs as a classic script: it must be one CommonJS file, whatever package.json says.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src/renderer'),
    resolve: {
      alias: {
        '@renderer': resolve(root, 'src/renderer/src'),
        '@shared': resolve(root, 'src/shared'),
      },
    },
    plugins: [vue(), contentSecurityPolicyMeta()],
    build: {
      rolldownOptions: {
        input: { index: resolve(root, 'src/renderer/index.html') },
      },
    },
  },
});

// Ambient types for the renderer: Vite's client types and the preload bridge, absent when served to a browser.

/// <reference types="vite/client" />

import type { ForklabBridge } from '@shared/api.ts';

declare global {
  interface Window {
    forklab?: ForklabBridge;
  }
}

// Preload: exposes the typed `forklab` bridge to the isolated renderer, and nothing else.

import { contextBridge } from 'electron';
import { BRIDGE_KEY, type ForklabBridge } from '../shared/api.ts';

const bridge: ForklabBridge = {
  versions: {
    node: process.versions.node,
    chrome: process.versions.chrome,
    electron: process.versions.electron,
  },
};

contextBridge.exposeInMainWorld(BRIDGE_KEY, bridge);

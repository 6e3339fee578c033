// Preload: exposes the typed `forklab` bridge to the isolated renderer, and nothing else: the contract's calls
// and push events over two IPC channels, plus the runtime versions.

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ForklabBridge, Outcome } from '../shared/api.ts';
import { BRIDGE_KEY, IPC_CALL, IPC_EVENT } from '../shared/channels.ts';

const bridge: ForklabBridge = {
  versions: {
    node: process.versions.node,
    chrome: process.versions.chrome,
    electron: process.versions.electron,
  },
  call: (method, params) => ipcRenderer.invoke(IPC_CALL, method, params) as Promise<Outcome<unknown>>,
  on(listener) {
    const handler = (_event: IpcRendererEvent, name: string, payload: unknown): void => listener(name, payload);
    ipcRenderer.on(IPC_EVENT, handler);
    return () => ipcRenderer.off(IPC_EVENT, handler);
  },
};

contextBridge.exposeInMainWorld(BRIDGE_KEY, bridge);

// Electron entry: one locked-down window showing the renderer, and the engine in this process behind the one API.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, ipcMain, session } from 'electron';
import { rendererContentSecurityPolicy } from '../shared/csp.ts';
import type { EventName } from '../shared/api.ts';
import { Engine } from './app/engine.ts';
import { dispatch } from './app/handlers.ts';
import { toWire } from './app/wire.ts';
import { WORKER_DIR_ENV } from './worker-url.ts';
import { denyPermission, lockDown, pushEvents, registerIpc, windowOptions } from './electron/window.ts';

/** Set by `electron-vite dev` to the renderer dev server; absent in a built app. */
const devServerUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL;
const rendererIndexFile = join(import.meta.dirname, '../renderer/index.html');
const preloadFile = join(import.meta.dirname, '../preload/index.cjs'); // CommonJS: sandboxed preloads cannot be ES modules
// The built workers sit beside this file (see src/main/worker-url.ts).
process.env[WORKER_DIR_ENV] = import.meta.dirname;
const EVENTS: EventName[] = ['tip', 'status', 'job.progress', 'job.done', 'workspace.changed'];

/** True for URLs that belong to the app itself: the dev server's origin, or the built index.html. */
function isAppUrl(url: string): boolean {
  const target = URL.parse(url);
  if (target === null) return false;
  if (devServerUrl !== undefined) return target.origin === URL.parse(devServerUrl)?.origin;
  target.hash = '';
  target.search = '';
  return target.href === pathToFileURL(rendererIndexFile).href;
}

/**
 * Enforces the renderer's CSP as a response header as well. The `<meta>` tag that the build writes into index.html
 * is what applies under file:// (which has no response headers); the header covers pages served over http.
 */
function installContentSecurityPolicy(): void {
  const policy = rendererContentSecurityPolicy({ dev: devServerUrl !== undefined });
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    if (details.resourceType !== 'mainFrame' && details.resourceType !== 'subFrame') {
      callback({});
      return;
    }
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] } });
  });
  session.defaultSession.setPermissionRequestHandler(denyPermission);
}

function createMainWindow(engine: Engine): BrowserWindow {
  const window = new BrowserWindow(windowOptions(preloadFile));
  window.once('ready-to-show', () => window.show());
  const contents = window.webContents;
  lockDown(contents, isAppUrl);
  const stop = pushEvents(
    (channel, name, payload) => {
      if (!contents.isDestroyed()) contents.send(channel, name, payload);
    },
    (listener) => {
      const offs = EVENTS.map((name) => engine.events.on(name, (payload: unknown) => listener(name, toWire(payload))));
      return () => offs.forEach((off) => off());
    },
  );
  window.on('closed', stop);
  if (devServerUrl !== undefined) void window.loadURL(devServerUrl);
  else void window.loadFile(rendererIndexFile);
  return window;
}

app.whenReady().then(
  async () => {
    installContentSecurityPolicy();
    // FORKLAB_HOME and FORKLAB_SIM=1 choose the data directory and a virtual-time default workspace (the e2e runs use them).
    const engine = new Engine({ home: process.env.FORKLAB_HOME ?? app.getPath('userData'), defaultParams: process.env.FORKLAB_SIM === '1' ? 'forklab-sim' : 'forklab' });
    registerIpc(ipcMain, isAppUrl, (method, params) => dispatch(engine, method, params));
    createMainWindow(engine);
    // macOS keeps the app alive without windows; clicking the dock icon opens a new one.
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createMainWindow(engine);
    });
    let closing = false;
    app.on('before-quit', (event) => {
      if (closing) return;
      closing = true;
      event.preventDefault();
      void engine.close().finally(() => app.exit(0));
    });
    await engine.openDefault();
  },
  (error: unknown) => {
    console.error('Forklab failed to start:', error);
    app.exit(1);
  },
);

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

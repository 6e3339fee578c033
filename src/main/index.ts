// Electron entry: one locked-down window showing the renderer. Engine logic lives elsewhere and arrives over the API.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, session } from 'electron';
import { rendererContentSecurityPolicy } from '../shared/csp.ts';

/** Set by `electron-vite dev` to the renderer dev server; absent in a built app. */
const devServerUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL;
const rendererIndexFile = join(import.meta.dirname, '../renderer/index.html');
const preloadFile = join(import.meta.dirname, '../preload/index.cjs'); // CommonJS: sandboxed preloads cannot be ES modules

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
  // The renderer needs no camera, notifications, geolocation or the like.
  session.defaultSession.setPermissionRequestHandler((_webContents, _permission, grant) => grant(false));
}

function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 560,
    title: 'Forklab',
    show: false,
    webPreferences: {
      preload: preloadFile,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  window.once('ready-to-show', () => window.show());

  const contents = window.webContents;
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());

  if (devServerUrl !== undefined) void window.loadURL(devServerUrl);
  else void window.loadFile(rendererIndexFile);
  return window;
}

app.whenReady().then(() => {
  installContentSecurityPolicy();
  createMainWindow();
  // macOS keeps the app alive without windows; clicking the dock icon opens a new one.
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow();
  });
}, (error: unknown) => {
  console.error('Forklab failed to start:', error);
  app.exit(1);
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

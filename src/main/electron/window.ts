// The window factory and the IPC layer of the desktop shell, kept free of `electron` imports so unit tests can
// check every option and handler: the caller passes in the Electron objects.

import { IPC_CALL, IPC_EVENT, type Outcome } from '../../shared/api.ts';

/** The part of BrowserWindow's options the shell sets. */
export interface WindowOptions {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  title: string;
  show: boolean;
  webPreferences: {
    preload: string;
    contextIsolation: true;
    sandbox: true;
    nodeIntegration: false;
    nodeIntegrationInWorker: false;
    webSecurity: true;
    allowRunningInsecureContent: false;
    webviewTag: false;
    experimentalFeatures: false;
  };
}

export function windowOptions(preload: string): WindowOptions {
  return {
    width: 1360,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    title: 'Forklab',
    show: false,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
    },
  };
}

/** What the shell needs of a window's webContents. */
export interface ContentsLike {
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  on(event: 'will-navigate' | 'will-redirect', listener: (event: { preventDefault(): void }, url: string) => void): void;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): void;
}

/** Denies new windows, webviews, and navigation anywhere but the app's own page. */
export function lockDown(contents: ContentsLike, isAppUrl: (url: string) => boolean): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Permission requests (camera, notifications, geolocation, ...): all refused. */
export const denyPermission = (_contents: unknown, _permission: string, grant: (granted: boolean) => void): void => grant(false);

/** What the shell needs of ipcMain. */
export interface IpcMainLike {
  handle(channel: string, handler: (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => Promise<unknown>): void;
}

/**
 * The one registration of the contract on IPC: every call goes through `dispatch` (which validates it), and only
 * from a frame showing the app's own page; anything else gets a typed refusal.
 */
export function registerIpc(ipc: IpcMainLike, isAppUrl: (url: string) => boolean, dispatch: (method: unknown, params: unknown) => Promise<Outcome<unknown>>): void {
  ipc.handle(IPC_CALL, async (event, method, params) => {
    const url = event.senderFrame?.url;
    if (url === undefined || !isAppUrl(url)) return { ok: false, error: { code: 'forbidden-sender', message: 'calls are accepted only from the app window' } } satisfies Outcome<unknown>;
    return dispatch(method, params);
  });
}

/** Forwards engine events to a window as long as it lives. */
export function pushEvents(send: (channel: string, name: string, payload: unknown) => void, subscribe: (listener: (name: string, payload: unknown) => void) => () => void): () => void {
  return subscribe((name, payload) => send(IPC_EVENT, name, payload));
}

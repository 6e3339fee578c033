// The desktop shell's security settings: window options, navigation and window-open guards, permissions, IPC sender.

import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { IPC_CALL, IPC_EVENT, type Outcome } from '../../shared/api.ts';
import { denyPermission, lockDown, pushEvents, registerIpc, windowOptions, type ContentsLike, type IpcMainLike } from './window.ts';

const APP_URL = 'file:///opt/forklab/out/renderer/index.html';
const isAppUrl = (url: string): boolean => {
  const u = URL.parse(url);
  if (!u) return false;
  u.hash = '';
  u.search = '';
  return u.href === APP_URL;
};

type NavListener = (event: { preventDefault(): void }, url: string) => void;

/** A webContents that records the handlers the shell installs. */
function fakeContents() {
  const listeners = new Map<string, NavListener[]>();
  let openHandler: ((details: { url: string }) => { action: 'deny' }) | null = null;
  const contents: ContentsLike = {
    setWindowOpenHandler: (h) => {
      openHandler = h;
    },
    on: (event: string, listener: NavListener) => {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
    },
  };
  /** Fires `event` at every listener; true when one of them prevented the default. */
  const fire = (event: string, url = ''): boolean => {
    let prevented = false;
    const e = { preventDefault: () => (prevented = true) };
    for (const l of listeners.get(event) ?? []) l(e, url);
    return prevented;
  };
  return { contents, fire, openHandler: () => openHandler, listeners };
}

describe('windowOptions', () => {
  const o = windowOptions('/app/preload/index.cjs');

  it('isolates the renderer: context isolation, sandbox, no Node', () => {
    expect(o.webPreferences.contextIsolation).toBe(true);
    expect(o.webPreferences.sandbox).toBe(true);
    expect(o.webPreferences.nodeIntegration).toBe(false);
    expect(o.webPreferences.nodeIntegrationInWorker).toBe(false);
  });

  it('keeps web security on and everything optional off', () => {
    expect(o.webPreferences.webSecurity).toBe(true);
    expect(o.webPreferences.allowRunningInsecureContent).toBe(false);
    expect(o.webPreferences.webviewTag).toBe(false);
    expect(o.webPreferences.experimentalFeatures).toBe(false);
  });

  it('uses the given preload and sets no other preferences', () => {
    expect(o.webPreferences.preload).toBe('/app/preload/index.cjs');
    expect(Object.keys(o.webPreferences).sort()).toEqual(
      ['allowRunningInsecureContent', 'contextIsolation', 'experimentalFeatures', 'nodeIntegration', 'nodeIntegrationInWorker', 'preload', 'sandbox', 'webSecurity', 'webviewTag'].sort(),
    );
  });

  it('opens hidden until ready, with a sane minimum size', () => {
    expect(o.show).toBe(false);
    expect(o.title).toBe('Forklab');
    expect(o.minWidth).toBeGreaterThan(0);
    expect(o.minHeight).toBeGreaterThan(0);
    expect(o.width).toBeGreaterThanOrEqual(o.minWidth);
    expect(o.height).toBeGreaterThanOrEqual(o.minHeight);
  });
});

describe('lockDown', () => {
  it('denies every new window', () => {
    const f = fakeContents();
    lockDown(f.contents, isAppUrl);
    const handler = f.openHandler();
    expect(handler).not.toBeNull();
    for (const url of ['https://evil.example/', APP_URL, 'file:///etc/passwd', 'javascript:alert(1)', '']) expect(handler!({ url })).toEqual({ action: 'deny' });
  });

  it('prevents navigation and redirects to foreign URLs', () => {
    const f = fakeContents();
    lockDown(f.contents, isAppUrl);
    for (const event of ['will-navigate', 'will-redirect']) {
      expect(f.listeners.get(event)?.length, event).toBeGreaterThan(0);
      for (const url of ['https://evil.example/', 'file:///etc/passwd', 'file:///opt/forklab/out/renderer/other.html', 'http://127.0.0.1:5173/', 'not a url']) {
        expect(f.fire(event, url), `${event} ${url}`).toBe(true);
      }
    }
  });

  it('allows navigation within the app page (routes are in the hash)', () => {
    const f = fakeContents();
    lockDown(f.contents, isAppUrl);
    for (const event of ['will-navigate', 'will-redirect']) {
      for (const url of [APP_URL, `${APP_URL}#/blocks`, `${APP_URL}?x=1#/tx/00`]) expect(f.fire(event, url), `${event} ${url}`).toBe(false);
    }
  });

  it('prevents attaching webviews', () => {
    const f = fakeContents();
    lockDown(f.contents, isAppUrl);
    expect(f.listeners.get('will-attach-webview')?.length).toBeGreaterThan(0);
    expect(f.fire('will-attach-webview')).toBe(true);
  });
});

describe('denyPermission', () => {
  it('refuses every permission request', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'unknown']) {
      const grant = vi.fn();
      denyPermission({}, permission, grant);
      expect(grant).toHaveBeenCalledExactlyOnceWith(false);
    }
  });
});

describe('registerIpc', () => {
  type Handler = Parameters<IpcMainLike['handle']>[1];
  function setUp() {
    const handlers = new Map<string, Handler>();
    const ipc: IpcMainLike = { handle: (channel, handler) => void handlers.set(channel, handler) };
    const dispatch = vi.fn(async (method: unknown, params: unknown): Promise<Outcome<unknown>> => ({ ok: true, value: { method, params } }));
    registerIpc(ipc, isAppUrl, dispatch);
    return { handlers, dispatch };
  }

  it('registers one handler, on the call channel', () => {
    const { handlers } = setUp();
    expect([...handlers.keys()]).toEqual([IPC_CALL]);
    expect(IPC_CALL).not.toBe(IPC_EVENT);
  });

  it('dispatches calls from the app frame', async () => {
    const { handlers, dispatch } = setUp();
    const out = await handlers.get(IPC_CALL)!({ senderFrame: { url: `${APP_URL}#/blocks` } }, 'app.status', {});
    expect(out).toEqual({ ok: true, value: { method: 'app.status', params: {} } });
    expect(dispatch).toHaveBeenCalledExactlyOnceWith('app.status', {});
  });

  it('refuses calls from foreign or missing sender frames without dispatching', async () => {
    const { handlers, dispatch } = setUp();
    for (const senderFrame of [{ url: 'https://evil.example/' }, { url: 'file:///tmp/index.html' }, { url: '' }, null]) {
      const out = (await handlers.get(IPC_CALL)!({ senderFrame }, 'wallet.send', { node: 'h0' })) as Outcome<unknown>;
      expect(out.ok).toBe(false);
      if (!out.ok) {
        expect(out.error.code).toBe('forbidden-sender');
        expect(out.error.message).toBeTypeOf('string');
      }
    }
    expect(dispatch).not.toHaveBeenCalled();
  });
});

describe('registerIpc under fuzzing', () => {
  it('dispatches exactly the calls from the app page, whatever the sender URL and arguments', async () => {
    const handlers = new Map<string, Parameters<IpcMainLike['handle']>[1]>();
    const dispatch = vi.fn(async (): Promise<Outcome<unknown>> => ({ ok: true, value: null }));
    registerIpc({ handle: (channel, handler) => void handlers.set(channel, handler) }, isAppUrl, dispatch);
    const handler = handlers.get(IPC_CALL)!;
    const url = fc.oneof(fc.webUrl({ withFragments: true, withQueryParameters: true }), fc.string(), fc.constantFrom(APP_URL, `${APP_URL}#/x`, `${APP_URL}/..`, APP_URL.replace('file:', 'http:'), `${APP_URL}.evil`));
    await fc.assert(
      fc.asyncProperty(fc.option(url, { nil: null }), fc.anything(), fc.anything(), async (frameUrl, method, params) => {
        dispatch.mockClear();
        const out = (await handler({ senderFrame: frameUrl === null ? null : { url: frameUrl } }, method, params)) as Outcome<unknown>;
        const fromApp = frameUrl !== null && isAppUrl(frameUrl);
        expect(dispatch).toHaveBeenCalledTimes(fromApp ? 1 : 0);
        if (fromApp) expect(dispatch).toHaveBeenCalledWith(method, params);
        else expect(out).toMatchObject({ ok: false, error: { code: 'forbidden-sender' } });
      }),
      { seed: 0x1bc, numRuns: 300 },
    );
  });
});

describe('pushEvents', () => {
  it('forwards engine events on the event channel until stopped', () => {
    const sent: unknown[][] = [];
    let listener: ((name: string, payload: unknown) => void) | null = null;
    const unsubscribe = vi.fn();
    const stop = pushEvents(
      (...args) => void sent.push(args),
      (l) => {
        listener = l;
        return unsubscribe;
      },
    );
    listener!('tip', { node: 'h0', height: 1 });
    expect(sent).toEqual([[IPC_EVENT, 'tip', { node: 'h0', height: 1 }]]);
    stop();
    expect(unsubscribe).toHaveBeenCalledOnce();
  });
});

// A client of the engine's API for test setup and for the ground truth the UI is checked against (never for the
// steps a spec says the user takes): over the server's WebSocket for the served app, or through the preload bridge
// of the Electron window for the desktop app.

import type { Page } from '@playwright/test';
import { WebSocket } from 'ws';
import type { AppStatus, MethodName, Outcome, Params, Result, Wire } from '../src/shared/api.ts';
import { E2E_ORIGIN } from './env.ts';

type Send = (method: string, params: unknown) => Promise<Outcome<unknown>>;

export class LabApi {
  private readonly send: Send;
  private readonly onClose: () => void;

  private constructor(send: Send, onClose: () => void) {
    this.send = send;
    this.onClose = onClose;
  }

  /** Connects to the server's WebSocket as a page of the server would (it refuses other origins). */
  static connect(): Promise<LabApi> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${E2E_ORIGIN.replace('http', 'ws')}/api`, { origin: E2E_ORIGIN });
      const pending = new Map<number, (o: Outcome<unknown>) => void>();
      let nextId = 1;
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as { id?: number; outcome?: Outcome<unknown> };
        if (frame.id === undefined || !frame.outcome) return;
        pending.get(frame.id)?.(frame.outcome);
        pending.delete(frame.id);
      });
      const send: Send = (method, params) =>
        new Promise((done) => {
          const id = nextId++;
          pending.set(id, done);
          ws.send(JSON.stringify({ id, method, params }));
        });
      ws.once('open', () => resolve(new LabApi(send, () => ws.close())));
      ws.once('error', reject);
    });
  }

  /** Calls through the bridge the preload exposes in the Electron window (`window.forklab.call`). */
  static throughBridge(window: Page): LabApi {
    const send: Send = (method, params) =>
      window.evaluate(([m, p]) => (globalThis as unknown as { forklab: { call(m: string, p: unknown): Promise<Outcome<unknown>> } }).forklab.call(m, p), [method, params] as const);
    return new LabApi(send, () => undefined);
  }

  /** Calls a method; throws with the typed error when refused. */
  async call<M extends MethodName>(method: M, params: Params<M>): Promise<Wire<Result<M>>> {
    const o = await this.send(method, params);
    if (!o.ok) throw new Error(`${method}: ${o.error.code}: ${o.error.message}`);
    return o.value as Wire<Result<M>>;
  }

  status(): Promise<Wire<AppStatus>> {
    return this.call('app.status', {});
  }

  close(): void {
    this.onClose();
  }
}

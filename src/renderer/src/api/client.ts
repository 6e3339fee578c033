// The renderer's one way to the engine: the preload bridge inside Electron, the headless server's WebSocket in a
// browser. Both carry the same contract (src/shared/api.ts) and give the same typed outcomes.

import { API_PATH_WS, BRIDGE_KEY } from '@shared/channels';
import type {
  ApiClient,
  ApiError,
  EventName,
  Events,
  ForklabBridge,
  MethodName,
  Outcome,
  Params,
  Result,
  ServerFrame,
  Wire,
} from '@shared/api';

type Listener = (payload: unknown) => void;

/** A refusal from the engine, thrown by `request` (views that prefer exceptions to outcomes). */
export class ApiFailure extends Error {
  readonly code: string;
  constructor(error: ApiError) {
    super(error.message);
    this.name = 'ApiFailure';
    this.code = error.code;
  }
}

class Subscribers {
  private readonly map = new Map<string, Set<Listener>>();
  add(event: string, listener: Listener): () => void {
    let set = this.map.get(event);
    if (!set) this.map.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }
  emit(event: string, payload: unknown): void {
    for (const l of this.map.get(event) ?? []) l(payload);
  }
}

function bridgeClient(bridge: ForklabBridge): ApiClient {
  const subs = new Subscribers();
  bridge.on((event, payload) => subs.emit(event, payload));
  return {
    call: (method, params) => bridge.call(method, params) as never,
    on: (event, listener) => subs.add(event, listener as Listener),
  };
}

/** The WebSocket client: one socket, reconnecting with backoff; calls made while it is down wait for it. */
function socketClient(url: string, onConnection: (up: boolean) => void): ApiClient {
  const subs = new Subscribers();
  const pending = new Map<number, (o: Outcome<unknown>) => void>();
  const waiters: ((ws: WebSocket) => void)[] = [];
  let nextId = 1;
  let socket: WebSocket | null = null;
  let delay = 250;

  const whenOpen = (): Promise<WebSocket> => (socket ? Promise.resolve(socket) : new Promise((resolve) => waiters.push(resolve)));

  function connect(): void {
    const ws = new WebSocket(url);
    ws.onopen = () => {
      socket = ws;
      delay = 250;
      onConnection(true);
      for (const w of waiters.splice(0)) w(ws);
    };
    ws.onmessage = (m) => {
      const frame = JSON.parse(String(m.data)) as ServerFrame;
      if ('event' in frame) subs.emit(frame.event, frame.payload);
      else {
        pending.get(frame.id)?.(frame.outcome);
        pending.delete(frame.id);
      }
    };
    ws.onclose = () => {
      if (socket === ws) {
        socket = null;
        onConnection(false);
      }
      for (const settle of pending.values()) settle({ ok: false, error: { code: 'disconnected', message: 'the connection to the engine was lost' } });
      pending.clear();
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 5_000);
    };
  }
  connect();

  return {
    async call(method, params) {
      const ws = await whenOpen();
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve as (o: Outcome<unknown>) => void);
        ws.send(JSON.stringify({ id, method, params }));
      });
    },
    on: (event, listener) => subs.add(event, listener as Listener),
  };
}

let connectionListener: (up: boolean) => void = () => {};
/** Called with false when the WebSocket drops and true when it is back (never called inside Electron). */
export function onConnectionChange(listener: (up: boolean) => void): void {
  connectionListener = listener;
}

function create(): ApiClient {
  const bridge = (window as unknown as Record<string, ForklabBridge | undefined>)[BRIDGE_KEY];
  if (bridge) return bridgeClient(bridge);
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return socketClient(`${scheme}//${location.host}${API_PATH_WS}`, (up) => connectionListener(up));
}

export const api: ApiClient = create();

/** Calls a method and returns its value, throwing ApiFailure on a refusal. */
export async function request<M extends MethodName>(method: M, params: Params<M>): Promise<Wire<Result<M>>> {
  const outcome = await api.call(method, params);
  if (!outcome.ok) throw new ApiFailure(outcome.error);
  return outcome.value;
}

export function onEvent<E extends EventName>(event: E, listener: (payload: Wire<Events[E]>) => void): () => void {
  return api.on(event, listener);
}

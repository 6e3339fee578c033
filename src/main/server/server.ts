// The headless server: the built renderer over HTTP and the contract over one WebSocket, on loopback by default.

import { existsSync, readFileSync, statSync, type Stats } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { API_PATH_WS, type ClientFrame, type EventName, type ServerFrame } from '../../shared/api.ts';
import { rendererContentSecurityPolicy } from '../../shared/csp.ts';
import { InputError } from '../core/errors.ts';
import type { Engine } from '../app/engine.ts';
import { dispatch } from '../app/handlers.ts';
import { toWire } from '../app/wire.ts';

const EVENTS: EventName[] = ['tip', 'status', 'job.progress', 'job.done', 'workspace.changed'];
/** Largest client frame accepted; every method's arguments are far smaller. */
const MAX_FRAME = 256 * 1024;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

export interface ServerOptions {
  engine: Engine;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Allow binding to an address other than loopback. */
  allowRemote?: boolean;
}

export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Serves the renderer and the API. Refuses a non-loopback host unless `allowRemote`. */
export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const host = o.host ?? '127.0.0.1';
  if (!isLoopback(host) && !o.allowRemote) throw new InputError('non-loopback', `--host ${host}: the server binds to loopback only; pass --allow-remote to expose the engine to other machines`);
  const root = resolve(o.rendererDir);
  if (!existsSync(join(root, 'index.html'))) throw new InputError('no-renderer', `${root}: no built renderer (run npm run build)`);
  const csp = rendererContentSecurityPolicy({ dev: false });

  const files = new FileCache();
  const server = createServer((req, res) => serveStatic(root, csp, files, req, res));
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });
  let port = 0;

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    // Only pages this server served may connect: a page elsewhere cannot drive the engine through the browser.
    if (url.pathname !== API_PATH_WS || !sameServer(req.headers.origin, host, port)) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const clients = new Set<WebSocket>();
  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
    ws.on('message', (data, isBinary) => {
      void answer(o.engine, ws, isBinary ? null : data.toString());
    });
  });

  const offs = EVENTS.map((name) =>
    o.engine.events.on(name, (payload: unknown) => {
      if (clients.size === 0) return;
      const frame = JSON.stringify({ event: name, payload: toWire(payload) } satisfies ServerFrame);
      for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(frame);
    }),
  );

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolveListen());
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : (o.port ?? 0);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const origin = `http://${shownHost}:${port}`;
  return {
    url: `${origin}/`,
    server,
    close: async () => {
      for (const off of offs) off();
      for (const ws of clients) ws.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Whether a WebSocket's Origin is a page of this server: this port, on the bound host or a loopback name. */
function sameServer(origin: string | undefined, host: string, port: number): boolean {
  const u = origin ? URL.parse(origin) : null;
  if (!u || u.protocol !== 'http:' || Number(u.port || 80) !== port) return false;
  const h = u.hostname.replace(/^\[|\]$/g, '');
  return h === host || (isLoopback(h) && isLoopback(host));
}

/** One frame in, one frame out: malformed frames get a typed error (id 0 when none could be read). */
async function answer(engine: Engine, ws: WebSocket, text: string | null): Promise<void> {
  let frame: ClientFrame | null = null;
  try {
    const raw = text === null ? null : (JSON.parse(text) as unknown);
    if (raw && typeof raw === 'object' && Number.isSafeInteger((raw as ClientFrame).id) && typeof (raw as ClientFrame).method === 'string') frame = raw as ClientFrame;
  } catch {
    frame = null;
  }
  const reply: ServerFrame = frame
    ? { id: frame.id, outcome: await dispatch(engine, frame.method, frame.params) }
    : { id: 0, outcome: { ok: false, error: { code: 'bad-frame', message: 'expected a JSON text frame {"id", "method", "params"}' } } };
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
}

/**
 * The renderer's files, read once and answered from memory in one write. While a workspace opens, the event loop
 * turns only between restore slices, so a streamed file (a read and a write per 64 KiB) would take one slice per
 * chunk: the 1.4 MB entry chunk took a second to arrive. An entry is reread when the file's size or mtime changes.
 */
class FileCache {
  private readonly files = new Map<string, { size: number; mtimeMs: number; body: Buffer }>();

  read(file: string, size: number, mtimeMs: number): Buffer {
    const hit = this.files.get(file);
    if (hit && hit.size === size && hit.mtimeMs === mtimeMs) return hit.body;
    const body = readFileSync(file);
    this.files.set(file, { size, mtimeMs, body });
    return body;
  }
}

/** A file's stat, or null for any path that names no readable file (missing, a NUL byte, a file as a directory…). */
function statOrNull(file: string): Stats | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}

function serveStatic(root: string, csp: string, files: FileCache, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    res.writeHead(400).end();
    return;
  }
  const file = normalize(join(root, pathname === '/' ? 'index.html' : pathname));
  const stat = file.startsWith(root + sep) ? statOrNull(file) : null;
  if (!stat?.isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
    return;
  }
  const body = files.read(file, stat.size, stat.mtimeMs);
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': body.length,
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': file.endsWith('index.html') ? 'no-cache' : 'max-age=3600',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

// The headless server: loopback-only binding, static files with a CSP and no way out of the renderer directory,
// WebSocket origin checks, typed replies to malformed frames, and frame fuzzing over a live connection.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { API_PATH_WS, type ServerFrame } from '../../shared/api.ts';
import { InputError } from '../core/errors.ts';
import { Engine } from '../app/engine.ts';
import { startServer, type RunningServer } from './server.ts';

const SEED = 0x5e_4e_f0;
const INDEX = '<!doctype html><title>Forklab test page</title>';

const root = mkdtempSync(join(tmpdir(), 'forklab-server-test-'));
const rendererDir = join(root, 'renderer');
let engine: Engine;
let server: RunningServer;
let origin: string;
let port: number;

beforeAll(async () => {
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), INDEX);
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'export {};\n');
  // Files next to the renderer that no request may reach.
  writeFileSync(join(root, 'secret.txt'), 'secret');
  mkdirSync(join(root, 'renderer-sibling'));
  writeFileSync(join(root, 'renderer-sibling', 'secret.txt'), 'secret');
  engine = new Engine({ home: join(root, 'home'), autoMine: false, traffic: 0, defaultParams: 'forklab-sim' });
  await engine.openDefault();
  server = await startServer({ engine, rendererDir, port: 0 });
  origin = server.url.replace(/\/$/, '');
  port = Number(new URL(server.url).port);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await engine?.close();
  rmSync(root, { recursive: true, force: true });
});

/** A raw HTTP request: `path` goes on the wire as written (fetch would normalise the dots away). */
function get(path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

interface Connection {
  ws: WebSocket;
  /** The next reply frame (push events are skipped). */
  reply(ms?: number): Promise<Extract<ServerFrame, { id: number }>>;
  close(): void;
}

/** Opens a WebSocket to the API with the given Origin header (none when undefined); rejects with the HTTP status. */
function connect(from: string | undefined, path = API_PATH_WS): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, from === undefined ? {} : { origin: from });
    const replies: Extract<ServerFrame, { id: number }>[] = [];
    const waiting: ((f: Extract<ServerFrame, { id: number }>) => void)[] = [];
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrame;
      if ('event' in frame) return;
      const w = waiting.shift();
      if (w) w(frame);
      else replies.push(frame);
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        reply: (ms = 10_000) =>
          new Promise((res, rej) => {
            const next = replies.shift();
            if (next) return res(next);
            const timer = setTimeout(() => rej(new Error('no reply within the time limit')), ms);
            waiting.push((f) => {
              clearTimeout(timer);
              res(f);
            });
          }),
        close: () => ws.close(),
      }),
    );
  });
}

describe('binding', () => {
  it('refuses a non-loopback host unless allowRemote', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
      await expect(startServer({ engine, rendererDir, host, port: 0 }), host).rejects.toBeInstanceOf(InputError);
      await expect(startServer({ engine, rendererDir, host, port: 0 }), host).rejects.toMatchObject({ code: 'non-loopback' });
    }
  });

  it('binds a non-loopback host when allowRemote is set', async () => {
    const remote = await startServer({ engine, rendererDir, host: '0.0.0.0', port: 0, allowRemote: true });
    try {
      expect(remote.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/$/);
    } finally {
      await remote.close();
    }
  });

  it('binds loopback by default and refuses a directory without a built renderer', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await expect(startServer({ engine, rendererDir: join(root, 'renderer-sibling'), port: 0 })).rejects.toMatchObject({ code: 'no-renderer' });
  });
});

describe('static files', () => {
  it('serves index.html at / with a Content-Security-Policy', async () => {
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(r.body).toBe(INDEX);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toContain('unsafe-inline');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves assets with their type; HEAD has no body; other methods get 405', async () => {
    const js = await get('/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    const head = await get('/', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    for (const method of ['POST', 'PUT', 'DELETE']) expect((await get('/', method)).status, method).toBe(405);
  });

  it('answers a file changed on disk with its new content (files are served from memory)', async () => {
    const file = join(rendererDir, 'assets', 'changing.js');
    writeFileSync(file, 'export const v = 1;\n');
    const first = await get('/assets/changing.js');
    expect(first.body).toBe('export const v = 1;\n');
    expect(first.headers['content-length']).toBe(String(first.body.length));
    writeFileSync(file, 'export const version = 2;\n');
    expect((await get('/assets/changing.js')).body).toBe('export const version = 2;\n');
    rmSync(file);
    expect((await get('/assets/changing.js')).status).toBe(404);
  });

  it('answers 404 to paths outside the renderer directory, encoded or not', async () => {
    const paths = [
      '/../secret.txt',
      '/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/../../secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%5csecret.txt',
      '/../renderer-sibling/secret.txt',
      '/%2e%2e/renderer-sibling/secret.txt',
      '/../package.json',
      '/%2e%2e/package.json',
      '//etc/passwd',
      '/%2fetc%2fpasswd',
      '/secret.txt%00.html',
      '/assets',
      '/missing.html',
      '/index.html/inside-a-file.js',
    ];
    for (const path of paths) {
      const r = await get(path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
      expect(r.body, path).not.toContain('secret');
    }
    expect((await get('/../secret.txt')).status).toBe(404);
    expect((await get('/%2e%2e/secret.txt')).status).toBe(404);
    expect((await get('/%E0%A4%A')).status).toBe(400);
  });
});

describe('WebSocket API', () => {
  it('accepts a page of this server and round-trips a call', async () => {
    const c = await connect(origin);
    try {
      c.ws.send(JSON.stringify({ id: 7, method: 'app.status', params: {} }));
      const r = await c.reply();
      expect(r.id).toBe(7);
      expect(r.outcome.ok).toBe(true);
      if (r.outcome.ok) expect((r.outcome.value as { workspace: { params: string } }).workspace.params).toBe('forklab-sim');
      c.ws.send(JSON.stringify({ id: 8, method: 'explorer.block', params: { node: 'h0', id: 0 } }));
      const b = await c.reply();
      expect(b).toMatchObject({ id: 8, outcome: { ok: true, value: { height: 0 } } });
    } finally {
      c.close();
    }
  });

  it('accepts the loopback name of the same port', async () => {
    const c = await connect(`http://localhost:${port}`);
    c.close();
  });

  it('pushes events to connected pages', async () => {
    const c = await connect(origin);
    try {
      const event = await new Promise<{ event: string }>((resolve) => {
        c.ws.on('message', (data) => {
          const frame = JSON.parse(data.toString()) as { event?: string };
          if (frame.event === 'status') resolve(frame as { event: string });
        });
      });
      expect(event.event).toBe('status');
    } finally {
      c.close();
    }
  });

  it('refuses other origins, no origin, other ports and other paths with 403', async () => {
    const refused = ['http://evil.example', `http://evil.example:${port}`, `https://127.0.0.1:${port}`, `http://127.0.0.1:${port + 1}`, 'null', 'file://', `http://127.0.0.1.evil.example:${port}`];
    for (const from of refused) await expect(connect(from), from).rejects.toThrow('HTTP 403');
    await expect(connect(undefined)).rejects.toThrow('HTTP 403');
    await expect(connect(origin, '/other')).rejects.toThrow('HTTP 403');
    await expect(connect(origin, `${API_PATH_WS}/x`)).rejects.toThrow('HTTP 403');
  });

  it('answers malformed frames with bad-frame and id 0', async () => {
    const c = await connect(origin);
    try {
      for (const text of ['not json', '', '[]', 'null', '42', '{"id":1}', '{"id":"1","method":"app.status"}', '{"id":1.5,"method":"app.status"}', '{"id":1,"method":7}', '{"method":"app.status"}']) {
        c.ws.send(text);
        expect(await c.reply(), text).toEqual({ id: 0, outcome: { ok: false, error: { code: 'bad-frame', message: expect.any(String) } } });
      }
      c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
      expect(await c.reply()).toMatchObject({ id: 0, outcome: { ok: false, error: { code: 'bad-frame' } } });
      c.ws.send(JSON.stringify({ id: 3, method: 'no.such', params: {} }));
      expect(await c.reply()).toMatchObject({ id: 3, outcome: { ok: false, error: { code: 'unknown-method' } } });
      c.ws.send(JSON.stringify({ id: 4, method: 'explorer.block', params: { node: 'h0' } }));
      expect(await c.reply()).toMatchObject({ id: 4, outcome: { ok: false, error: { code: 'bad-params' } } });
    } finally {
      c.close();
    }
  });

  it('closes a connection that sends an oversized frame and keeps serving others', async () => {
    const big = await connect(origin);
    const closed = new Promise<number>((resolve) => big.ws.once('close', (code) => resolve(code)));
    big.ws.send(JSON.stringify({ id: 1, method: 'app.status', params: { pad: 'x'.repeat(300 * 1024) } }));
    expect(await closed).toBe(1009);
    const c = await connect(origin);
    try {
      c.ws.send(JSON.stringify({ id: 2, method: 'workspace.current', params: {} }));
      expect(await c.reply()).toMatchObject({ id: 2, outcome: { ok: true } });
    } finally {
      c.close();
    }
  });

  it('fuzz: every text frame gets one well-formed reply and the server keeps serving', async () => {
    const READ_ONLY = ['app.status', 'explorer.views', 'explorer.latestBlocks', 'explorer.block', 'explorer.tx', 'explorer.search', 'explorer.chainTips', 'network.topology', 'wallet.list', 'attacks.list', 'theory.selfish', 'generals.counts', 'replicas.run'];
    const call = fc.record({ id: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)), method: fc.oneof(fc.constantFrom(...READ_ONLY), fc.string(), fc.integer()), params: fc.anything() }, { requiredKeys: [] });
    const frame = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.json(),
      call.map((x) => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'undefined'),
    );
    const c = await connect(origin);
    try {
      await fc.assert(
        fc.asyncProperty(frame, async (text) => {
          c.ws.send(text);
          const r = await c.reply();
          expect(Object.keys(r).sort()).toEqual(['id', 'outcome']);
          expect(Number.isSafeInteger(r.id)).toBe(true);
          if (r.outcome.ok) expect(Object.keys(r.outcome).sort()).toEqual(['ok', 'value']);
          else {
            expect(Object.keys(r.outcome).sort()).toEqual(['error', 'ok']);
            expect(typeof r.outcome.error.code).toBe('string');
            expect(typeof r.outcome.error.message).toBe('string');
            expect(r.outcome.error.code, `${text.slice(0, 200)}: ${r.outcome.error.message}`).not.toBe('internal');
          }
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          const wellFormed = typeof parsed === 'object' && parsed !== null && Number.isSafeInteger((parsed as { id: unknown }).id) && typeof (parsed as { method: unknown }).method === 'string';
          if (wellFormed) expect(r.id).toBe((parsed as { id: number }).id);
          else expect(r).toMatchObject({ id: 0, outcome: { ok: false, error: { code: 'bad-frame' } } });
        }),
        { seed: SEED, numRuns: 300 },
      );
      c.ws.send(JSON.stringify({ id: 99, method: 'app.status', params: {} }));
      expect(await c.reply()).toMatchObject({ id: 99, outcome: { ok: true } });
    } finally {
      c.close();
    }
    expect((await get('/')).status).toBe(200);
  });
});

// `npm run serve`: the engine without a window. Opens a workspace (the default one unless --workspace names one),
// starts its network mining, and serves the explorer at http://127.0.0.1:PORT/ with the API on a WebSocket.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from './core/errors.ts';
import { defaultHome, Engine } from './app/engine.ts';
import { startServer } from './server/server.ts';

const root = join(import.meta.dirname, '../..');
const rendererDir = join(root, 'out/renderer');

const USAGE = `usage: npm run serve [-- --port P] [--host H] [--allow-remote] [--workspace DIR] [--home DIR] [--threads T] [--no-mine] [--traffic RATE]
  Serves the Forklab explorer on http://127.0.0.1:P/ (5173 by default) with the engine behind it.
  --workspace DIR  open this workspace (default: the default workspace in the user's data directory, created on first use)
  --home DIR       Forklab's data directory (default: $FORKLAB_HOME, else the platform's user data directory)
  --threads T      proof-of-work threads (default 2)
  --no-mine        open without starting the miners
  --traffic RATE   payments per second for a new workspace (default 0.5)
  --sim            create the default workspace in virtual time (forklab-sim) instead of real proof of work
  --allow-remote   allow --host to be a non-loopback address (anyone who can reach it controls the engine)`;

/** Newest modification time under `dir` (files only), 0 when it does not exist. */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
  return t;
}

/** Builds the renderer when out/renderer is missing or older than its sources. */
function ensureRenderer(): void {
  const built = existsSync(join(rendererDir, 'index.html')) ? statSync(join(rendererDir, 'index.html')).mtimeMs : 0;
  if (built > 0 && built >= Math.max(newest(join(root, 'src/renderer')), newest(join(root, 'src/shared')))) return;
  console.log('serve: building the renderer (npm run build)…');
  const r = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('serve: the build failed');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'allow-remote': { type: 'boolean' },
      workspace: { type: 'string' },
      home: { type: 'string' },
      threads: { type: 'string' },
      'no-mine': { type: 'boolean' },
      traffic: { type: 'string' },
      sim: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = values.port === undefined ? 5173 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InputError('bad-flag', `--port: expected 0..65535, got ${values.port}`);
  const threads = values.threads === undefined ? 2 : Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new InputError('bad-flag', `--threads: expected 1..64, got ${values.threads}`);
  const traffic = values.traffic === undefined ? 0.5 : Number(values.traffic);
  if (!(traffic >= 0 && traffic <= 100)) throw new InputError('bad-flag', `--traffic: expected payments per second in [0, 100], got ${values.traffic}`);
  ensureRenderer();

  const engine = new Engine({ home: values.home ?? defaultHome(), threads, autoMine: !values['no-mine'], traffic, defaultParams: values.sim ? 'forklab-sim' : 'forklab' });
  const server = await startServer({ engine, rendererDir, port, ...(values.host ? { host: values.host } : {}), allowRemote: values['allow-remote'] === true });
  console.log(`Forklab explorer: ${server.url}`);
  const info = values.workspace ? await engine.open(values.workspace) : await engine.openDefault();
  console.log(`workspace ${info.name} (${info.params}, ${info.mode} time): ${info.dir}`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('serve: saving the workspace and stopping…');
    void server
      .close()
      .then(() => engine.close())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  if (e instanceof InputError) console.error(`error: ${e.message}`);
  else console.error(e);
  process.exit(e instanceof InputError ? 2 : 1);
});

// `npm start`: builds the app and launches it in Electron, or explains in one paragraph why it cannot here.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * The Electron executable the electron package downloaded at install time, or null. Read from its path.txt rather
 * than by require('electron'), which would try to download the binary again.
 */
function electronBinary() {
  try {
    const dir = dirname(require.resolve('electron/package.json'));
    const path = join(dir, 'dist', readFileSync(join(dir, 'path.txt'), 'utf8').trim());
    return existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

if (electronBinary() === null) {
  console.error(
    'Forklab cannot start the desktop app here: the electron package is installed, but its Electron binary is not ' +
      '(it is downloaded from GitHub at install time, and this machine could not fetch it, or installs ran with ' +
      'scripts disabled). Run `npm run serve` instead: it runs the same engine and serves the same explorer at ' +
      'http://127.0.0.1:5173/ in any browser. To get the desktop app, reinstall with network access to the ' +
      'Electron releases (`npm rebuild electron`) and run `npm start` again.',
  );
  process.exit(1);
}

const run = (args) => spawnSync('npx', ['electron-vite', ...args], { stdio: 'inherit' }).status ?? 1;
const built = run(['build']);
if (built !== 0) process.exit(built);
process.exit(run(['preview']));

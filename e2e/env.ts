// Where the e2e server listens, and how to reach the Electron binary: shared by the config, the fixtures and the API helper.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The server's port: fixed so specs and the server agree; away from the dev server's 5173. */
export const E2E_PORT = 5190;
export const E2E_ORIGIN = `http://127.0.0.1:${E2E_PORT}`;

const require = createRequire(import.meta.url);

/**
 * The Electron executable the electron package downloaded at install time, or null: read from its path.txt, as
 * scripts/start.mjs does, rather than by require('electron'), which would try to download it again.
 */
export function electronBinary(): string | null {
  try {
    const dir = dirname(require.resolve('electron/package.json'));
    const path = join(dir, 'dist', readFileSync(join(dir, 'path.txt'), 'utf8').trim());
    return existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

export const NO_ELECTRON =
  'no Electron binary here: node_modules/electron has no downloaded binary (path.txt missing or pointing nowhere); ' +
  'the same specs run against `npm run serve` in the serve-chromium project';

// Crash torture: `generate` killed with SIGKILL at seeded random moments; after each kill the workspace verifies and keeps every reported block.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/main/core/rng.ts';
import { Workspace } from '../../src/main/workspace/workspace.ts';

const root = new URL('../../', import.meta.url);
const rootPath = root.pathname;
const SEED = 'crash-torture';
const CYCLES = 10;

/**
 * Runs the workspace commands as the user does, in a child process: through src/main/cli.ts once it registers
 * them, otherwise through a minimal runner of the same Command objects.
 */
const viaCli = readFileSync(new URL('src/main/cli.ts', root), 'utf8').includes('workspaceCommands');
const RUNNER = `
import { parseArgs } from 'node:util';
const { workspaceCommands } = await import(${JSON.stringify(new URL('src/main/cli/workspace-commands.ts', root).href)});
let [name, ...rest] = JSON.parse(process.env.FORKLAB_ARGS);
if (workspaceCommands[name + ' ' + rest[0]]) { name = name + ' ' + rest[0]; rest = rest.slice(1); }
const c = workspaceCommands[name];
const p = parseArgs({ args: rest, options: c.options, allowPositionals: true });
try {
  const r = await c.run(p.values, p.positionals);
  process.stdout.write(JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) + '\\n');
} catch (e) {
  process.stderr.write('error: ' + e.message + '\\n');
  process.exit(1);
}`;

function command(args: string[]): { argv: string[]; env: NodeJS.ProcessEnv } {
  if (viaCli) return { argv: ['--import', 'tsx', 'src/main/cli.ts', ...args], env: process.env };
  return { argv: ['--import', 'tsx', '--input-type=module', '-e', RUNNER], env: { ...process.env, FORKLAB_ARGS: JSON.stringify(args) } };
}

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const c = command(args);
  const r = spawnSync(process.execPath, c.argv, { cwd: rootPath, env: c.env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Killed {
  stored: string[];
  progressed: boolean;
  exitedByItself: boolean;
}

/**
 * Starts `generate` and kills it with SIGKILL `delayMs` after `armed` (spawn, or the first progress line, which
 * comes once the workspace has reopened). Collects the blocks it reported stored before the kill.
 */
function generateAndKill(dir: string, delayMs: number, afterProgress: boolean): Promise<Killed> {
  const c = command(['generate', '--workspace', dir, '--blocks', '400', '--tx-rate', '2', '--seed', SEED, '--report-stored', '--json']);
  const child = spawn(process.execPath, c.argv, { cwd: rootPath, env: c.env, stdio: ['ignore', 'ignore', 'pipe'] });
  const stored: string[] = [];
  let progressed = false;
  let buffer = '';
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    timer ??= setTimeout(() => child.kill('SIGKILL'), delayMs);
  };
  if (!afterProgress) arm();
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const m = /^stored ([0-9a-f]{64})$/.exec(line);
      if (m) stored.push(m[1]!);
      else if (line.startsWith('generate:')) {
        progressed = true;
        arm();
      }
    }
  });
  return new Promise((resolve) => {
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ stored, progressed, exitedByItself: signal !== 'SIGKILL' });
    });
  });
}

function missingBlocks(dir: string, hashes: string[]): string[] {
  const db = new Database(join(dir, 'index.sqlite'));
  try {
    const has = db.prepare('SELECT has_data FROM blocks WHERE hash = ?').pluck();
    return hashes.filter((h) => has.get(Buffer.from(h, 'hex')) !== 1);
  } finally {
    db.close();
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'forklab-crash-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('crash torture: kill -9 during generate, then index verify', () => {
  it(`stays consistent and loses no reported block over ${CYCLES} kills`, async () => {
    const dir = join(tmp, 'ws');
    const first = run(['generate', '--workspace', dir, '--blocks', '5', '--tx-rate', '2', '--seed', SEED, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const rng = new Rng(SEED);
    const reported = new Set<string>();
    let kills = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      // Two cycles in three kill while generating; the others at any moment, reopening included.
      const afterProgress = cycle % 3 !== 2;
      const delayMs = afterProgress ? 50 + Math.floor(rng.float() * 2500) : 200 + Math.floor(rng.float() * 4000);
      const r = await generateAndKill(dir, delayMs, afterProgress);
      if (!r.exitedByItself) kills++;
      for (const h of r.stored) reported.add(h);
      const where = `seed ${SEED}, cycle ${cycle}, kill after ${delayMs} ms${afterProgress ? ' of generating' : ''}`;

      const v = run(['index', 'verify', '--workspace', dir, '--json']);
      expect(v.code, `${where}: ${v.stderr}`).toBe(0);
      const result = JSON.parse(v.stdout) as { consistent: boolean; problems: string[] };
      expect(result, where).toMatchObject({ consistent: true, problems: [] });
      expect(missingBlocks(dir, [...reported]), where).toEqual([]);

      const ws = Workspace.open(dir);
      try {
        for (const node of ws.lab.testnet.allNodes()) expect(ws.queries.block(node.id, node.chain.height)?.hash, where).toBe(node.chain.tip.id);
      } finally {
        await ws.close();
      }
    }
    expect(kills).toBeGreaterThanOrEqual(CYCLES - 2);
    expect(reported.size).toBeGreaterThan(20);
  });
});

// The app as its users feel it, measured through the headless server in Chromium: time to a painted dashboard
// on a 100,000-block workspace, renderer long tasks during live mining, and block -> tx -> provenance navigation.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { Engine } from '../src/main/app/engine.ts';
import { startServer, type RunningServer } from '../src/main/server/server.ts';
import { generate } from '../src/main/workspace/generate.ts';
import { Workspace } from '../src/main/workspace/workspace.ts';
import { figure, type Figure } from './figure.ts';

const root = join(import.meta.dirname, '..');
const rendererDir = join(root, 'out/renderer');
const CHROMIUM = process.env.FORKLAB_CHROMIUM ?? '/usr/bin/chromium';
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function serveWorkspace(dir: string | null, o: { autoMine: boolean; traffic?: number; sim?: boolean }): Promise<{ engine: Engine; server: RunningServer; home: string; openMs: Promise<number> }> {
  const home = mkdtempSync(join(tmpdir(), 'forklab-bench-ui-'));
  const engine = new Engine({ home, threads: 1, autoMine: o.autoMine, traffic: o.traffic ?? 0, defaultParams: o.sim ? 'forklab-sim' : 'forklab' });
  const server = await startServer({ engine, rendererDir, port: 0 });
  const t0 = performance.now();
  const openMs = (dir ? engine.open(dir) : engine.openDefault()).then(() => performance.now() - t0);
  return { engine, server, home, openMs };
}

async function stop(s: { engine: Engine; server: RunningServer; home: string }): Promise<void> {
  await s.server.close();
  await s.engine.close();
  rmSync(s.home, { recursive: true, force: true });
}

/**
 * Milliseconds from the engine's start (opening the workspace) to the first frame painted with a node card showing
 * `height`. The page times its own paint (wall clock, against the bench's): the Playwright client shares this
 * process's event loop with the engine, so while the workspace restores it would notice the card late.
 */
async function dashboardPaint(browser: Browser, dir: string | null, height: number): Promise<{ ms: number; openMs: number }> {
  const page = await browser.newPage();
  // Runs in the page (this file is type-checked without DOM types, hence a string).
  await page.addInitScript(`new MutationObserver((_, mo) => {
      const el = document.querySelector('[data-testid="node-height"]');
      if (el === null || !el.textContent.includes(${JSON.stringify(String(height))})) return;
      mo.disconnect();
      requestAnimationFrame(() => (window.__painted = performance.timeOrigin + performance.now()));
    }).observe(document, { childList: true, subtree: true, characterData: true });`);
  const t0 = Date.now();
  const s = await serveWorkspace(dir, { autoMine: false, sim: true });
  await page.goto(s.server.url);
  await page.waitForFunction('window.__painted !== undefined', undefined, { timeout: 120_000 });
  const ms = Number(await page.evaluate('window.__painted')) - t0;
  const openMs = await s.openMs;
  await page.close();
  await stop(s);
  return { ms, openMs };
}

/** Long tasks (> 50 ms) the renderer reports over `seconds` on the dashboard. */
async function longTasks(page: Page, seconds: number): Promise<number> {
  // Runs in the page (this file is type-checked without DOM types, hence a string).
  await page.evaluate(`window.__long = 0;
    new PerformanceObserver((list) => (window.__long += list.getEntries().filter((e) => e.duration > 50).length)).observe({ type: 'longtask' });`);
  await page.waitForTimeout(seconds * 1000);
  return Number(await page.evaluate('window.__long'));
}

/**
 * Milliseconds, measured inside the page, from a click on `click` to the first animation frame after an element
 * matching `target` is in the DOM and visible: the time to a painted view, without the test driver's round trips.
 */
async function clickToPaint(page: Page, click: string, target: string): Promise<number> {
  // Runs in the page (this file is type-checked without DOM types, hence a string).
  return Number(
    await page.evaluate(`new Promise((resolve) => {
      const t0 = performance.now();
      const ready = () => { const el = document.querySelector(${JSON.stringify(target)}); return el !== null && el.getClientRects().length > 0; };
      const done = () => requestAnimationFrame(() => resolve(performance.now() - t0));
      const mo = new MutationObserver(() => { if (ready()) { mo.disconnect(); done(); } });
      mo.observe(document.body, { childList: true, subtree: true, attributes: true, characterData: true });
      document.querySelector(${JSON.stringify(click)}).click();
    })`),
  );
}

async function painted(page: Page, testId: string): Promise<void> {
  await page.getByTestId(testId).first().waitFor({ state: 'visible', timeout: 30_000 });
}

export async function benchUi(): Promise<Figure[]> {
  if (!existsSync(CHROMIUM)) throw new Error(`bench ui: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  if (spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'ignore' }).status !== 0) throw new Error('bench ui: npm run build failed');
  const blocks = Number(process.env.FORKLAB_BENCH_UI_BLOCKS ?? 100_000);
  const work = mkdtempSync(join(tmpdir(), 'forklab-bench-ui-ws-'));
  const big = join(work, 'big');
  log(`bench ui: generating a ${blocks}-block workspace (virtual time)`);
  const ws = Workspace.create(big, { name: 'bench', params: 'forklab-sim', seed: 'bench-ui' });
  await generate(ws, { blocks, txRate: 0 });
  await ws.close();

  const browser = await chromium.launch({ executablePath: CHROMIUM });
  const figures: Figure[] = [];
  try {
    log('bench ui: dashboard paint, fresh workspace (baseline) and big workspace');
    const small = await dashboardPaint(browser, null, 0);
    const big100k = await dashboardPaint(browser, big, blocks);
    const bigMs = big100k.ms;
    figures.push({
      ...figure('ui.dashboardPaint100k', 'ms', bigMs, { name: 'dashboard paint on a new, empty workspace', value: small.ms }, { max: Infinity },
        `from the engine's start to the first frame with a node card at height ${blocks}, timed in the page; 4 nodes of ${blocks} blocks restored meanwhile (open done after ${Math.round(big100k.openMs)} ms; the new workspace's after ${Math.round(small.openMs)} ms)`),
      goal: 'under 2000 ms',
      met: bigMs < 2000,
    });

    log('bench ui: long tasks, 60 s of live mining with traffic against 30 s idle');
    const live = await serveWorkspace(null, { autoMine: true, traffic: 2 });
    await live.openMs;
    const page = await browser.newPage();
    await page.goto(live.server.url);
    await painted(page, 'node-card');
    const busy = await longTasks(page, 60);
    await live.engine.workspace.lab.miners.stop();
    live.engine.setTraffic(0);
    const idle = await longTasks(page, 30);
    figures.push({
      ...figure('ui.longTasksLiveMining', 'long tasks (> 50 ms) in 60 s', busy, { name: 'long tasks in 30 s with mining stopped', value: Math.max(idle, 1) }, { max: Infinity }),
      goal: 'none',
      met: busy === 0,
    });
    await page.close();
    await stop(live);

    log('bench ui: navigation block -> transaction -> provenance');
    const nav = await serveWorkspace(big, { autoMine: false, sim: true });
    await nav.openMs;
    const p = await browser.newPage();
    const toTx: number[] = [];
    const toProv: number[] = [];
    const toBlocks: number[] = [];
    // 40 pages, so the p95 of each hop is not simply its slowest sample (as it is with 20).
    for (let i = 0; i < 40; i++) {
      const height = blocks - 10 - ((i * 97) % Math.max(1, blocks - 10));
      await p.goto(`${nav.server.url}#/block/${height}`);
      await painted(p, 'tx-link');
      toTx.push(await clickToPaint(p, '[data-testid="tx-link"]', '[data-testid="provenance-link"]'));
      toProv.push(await clickToPaint(p, '[data-testid="provenance-link"]', '[data-testid="coinbase-leaf"]'));
      toBlocks.push(await clickToPaint(p, '[data-testid="nav"] .el-menu-item:nth-child(2)', '[data-testid="block-row"]'));
    }
    log(`bench ui: block->tx ms ${toTx.map(Math.round).join(' ')}; tx->provenance ms ${toProv.map(Math.round).join(' ')}`);
    const p95 = percentile([...toTx, ...toProv], 95);
    figures.push({
      ...figure('ui.navigationP95', 'ms', p95, { name: 'p95 navigation to the blocks list', value: percentile(toBlocks, 95) }, { max: Infinity }, `block->tx p95 ${Math.round(percentile(toTx, 95))} ms, tx->provenance p95 ${Math.round(percentile(toProv, 95))} ms`),
      goal: 'under 100 ms',
      met: p95 < 100,
    });
    await p.close();
    await stop(nav);
  } finally {
    await browser.close();
    rmSync(work, { recursive: true, force: true });
  }
  return figures;
}

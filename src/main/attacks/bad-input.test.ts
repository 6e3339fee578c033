// Bad input to labs, attacks, simulations, scenarios and the CLI: a clear error naming the problem, and no node changes.

import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { Lab } from '../network/lab.ts';
import { parseScenario, runScenario, type ScenarioEvent } from '../network/scenario.ts';
import { parseParams } from './attack.ts';
import { doubleSpend } from './double-spend.ts';
import { partition } from './partition.ts';
import { rewrite } from './rewrite.ts';
import { simulateDoubleSpend, simulateSelfish } from './sim.ts';

/** What bad input must leave alone: every node's tip, mempool and UTXO set, and whether the miners run. */
function snapshot(lab: Lab): string {
  const nodes = lab.testnet.allNodes().map((n) => ({ id: n.id, tip: n.chain.tip.id, mempool: n.mempool.size, utxo: n.chain.utxo.digest() }));
  return JSON.stringify({ nodes, mining: lab.miners.running });
}

/** Runs `attempt` and returns what it threw (or rejected with); undefined when it succeeded. */
async function thrownBy(attempt: () => unknown): Promise<unknown> {
  try {
    await attempt();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('bad input to the engine: an InputError naming the problem, and no node changes', () => {
  let lab: Lab;

  beforeAll(async () => {
    // Some history, and payments waiting in the mempools, so that a change would show.
    lab = Lab.create({ mode: 'virtual', seed: 'bad-input', attackerShare: 0.3 });
    lab.miners.start();
    lab.startTraffic({ rate: 1 });
    await lab.sleep(3 * 60_000);
    await lab.miners.stop();
    await lab.sleep(20_000);
    lab.traffic!.stop();
    await lab.waitFor(() => lab.testnet.converged(), 60_000);
    await lab.sleep(5_000); // the last payments reach every mempool
  });

  afterAll(() => lab.close());

  it('starts from a lab with history and pending payments', () => {
    expect(lab.testnet.node('h0').chain.height).toBeGreaterThan(20);
    expect(lab.honestNodes().every((n) => n.mempool.size > 0)).toBe(true);
  });

  const cases: [string, (lab: Lab) => unknown, RegExp][] = [
    // The attacker's share q outside (0, 1) (a lab may have no attacker, so 0 is allowed there).
    ['lab with attacker share 1.2', () => Lab.create({ mode: 'virtual', seed: 'x', attackerShare: 1.2 }), /attacker share: expected a number in \[0, 1\), got 1\.2/],
    ['lab with attacker share -0.1', () => Lab.create({ mode: 'virtual', seed: 'x', attackerShare: -0.1 }), /attacker share: expected a number in \[0, 1\), got -0\.1/],
    ['double-spend Monte Carlo with q = 0', () => simulateDoubleSpend({ q: 0, z: 1, trials: 10, rng: new Rng(1) }), /share in \(0, 1\), got 0$/],
    ['double-spend Monte Carlo with q = 1', () => simulateDoubleSpend({ q: 1, z: 1, trials: 10, rng: new Rng(1) }), /share in \(0, 1\), got 1$/],
    ['selfish Monte Carlo with alpha = 0', () => simulateSelfish({ alpha: 0, gamma: 0.5, blocks: 10, rng: new Rng(1) }), /pool's hash-rate share in \(0, 1\), got 0$/],
    ['selfish Monte Carlo with alpha = 1', () => simulateSelfish({ alpha: 1, gamma: 0.5, blocks: 10, rng: new Rng(1) }), /pool's hash-rate share in \(0, 1\), got 1$/],
    // Negative confirmations.
    ['double-spend attack with z = -1', () => parseParams(doubleSpend, { z: -1 }), /^double-spend: z: .*>=0/],
    ['double-spend Monte Carlo with z = -1', () => simulateDoubleSpend({ q: 0.3, z: -1, trials: 10, rng: new Rng(1) }), /confirmations in \[0, \d+\], got -1/],
    // A node that does not exist.
    ['double spend against merchant "ghost"', (l) => doubleSpend.run(l, parseParams(doubleSpend, { merchant: 'ghost' })), /unknown node "ghost"/],
    ['partition with "ghost" in a group', (l) => partition.run(l, parseParams(partition, { groups: [['h0', 'h1'], ['h2', 'ghost']] })), /partition: groups\.1: unknown node "ghost"/],
    ['testnet partition with "ghost" in a group', (l) => l.testnet.partition([['h0'], ['ghost']]), /unknown node "ghost"/],
    ['mining on the miner of "ghost"', (l) => l.mineNow('miner-ghost', 1), /unknown miner "miner-ghost"/],
    // A block that does not exist.
    ['rewrite from an unknown hash', (l) => rewrite.run(l, parseParams(rewrite, { fromHash: 'ab'.repeat(32) })), /fromHash: block (ab){32} is not on the attacker's best chain/],
    ['rewrite from a height beyond the tip', (l) => rewrite.run(l, parseParams(rewrite, { fromHeight: 10_000 })), /fromHeight: expected 1\.\.\d+, got 10000/],
    ['rewrite censoring a transaction not in the rewritten blocks', (l) => rewrite.run(l, parseParams(rewrite, { fromHeight: 1, censor: ['cd'.repeat(32)] })), /censor: transaction (cd){32} is not in the rewritten blocks/],
  ];

  for (const [name, attempt, message] of cases) {
    it(name, async () => {
      const before = snapshot(lab);
      const e = await thrownBy(() => attempt(lab));
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).message).toMatch(message);
      expect(snapshot(lab)).toBe(before);
    });
  }

  it('a scenario action on "ghost" fails with a clear error', async () => {
    const e = await thrownBy(async () => parseScenario({ name: 'ghost', network: { nodes: [{ id: 'a', share: 1 }] }, timeline: [{ action: 'stop', node: 'ghost' }] }));
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).message).toMatch(/unknown node "ghost"/);
  });

  it('a scenario naming "ghost" later in its timeline is refused before its first step runs', async () => {
    // Like every other bad input, the unknown node should be found before anything happens: here the first
    // step mines three blocks on node a and only then the second step finds that "ghost" does not exist.
    const raw = {
      name: 'ghost-later',
      network: { nodes: [{ id: 'a', share: 1 }] },
      timeline: [
        { action: 'mine', node: 'a', blocks: 3 },
        { action: 'stop', node: 'ghost' },
      ],
    };
    const steps: ScenarioEvent[] = [];
    const e = await thrownBy(() => runScenario(parseScenario(raw), { seed: '1', onEvent: (x) => steps.push(x) }));
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).message).toMatch(/"ghost"/);
    expect(steps.map((x) => `${x.step}: ${x.action}`)).toEqual([]);
  });
});

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node --import tsx src/main/cli.ts ...args`, as a user runs it. */
function cli(args: readonly string[]): Promise<CliResult> {
  const root = new URL('../../../', import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the CLI on bad input: non-zero exit, nothing on stdout, one `error: ` line, no stack trace', () => {
  const cases: [string, string[], RegExp][] = [
    ['attacker share above 1', ['attack', 'double-spend', '--q', '1.5'], /--q: expected a number in \(0, 1\), got 1\.5/],
    ['negative confirmations', ['attack', 'double-spend', '--z', '-1', '--virtual'], /--z/],
    ['negative confirmations, attached', ['attack', 'double-spend', '--z=-1', '--virtual'], /--z: expected 0\.\.100, got -1/],
    ['Monte Carlo without --z', ['sim', 'double-spend', '--q', '0.3'], /--z: required/],
    ['pool share above 1', ['sim', 'selfish', '--alpha', '2'], /--alpha: expected a number in \(0, 1\), got 2/],
    ['rewrite from a malformed hash', ['attack', 'rewrite', '--from-hash', 'zz', '--virtual'], /fromHash: expected 64 lowercase hex digits/],
    ['a scenario file that does not exist', ['scenario', 'run', '/nonexistent.json'], /cannot read \/nonexistent\.json/],
    ['partition with an unknown node', ['attack', 'partition', '--groups', 'h0/ghost', '--virtual'], /unknown node "ghost"/],
  ];
  const results = new Map<string, Promise<CliResult>>();

  // The processes run side by side; each test waits for its own.
  beforeAll(() => {
    for (const [name, args] of cases) results.set(name, cli(args));
  });

  for (const [name, , message] of cases) {
    it(name, async () => {
      const r = await results.get(name)!;
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.code).not.toBeNull();
      expect(r.stdout).toBe('');
      const lines = r.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('npm warn'));
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: /);
      expect(lines[0]).toMatch(message);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    });
  }
});

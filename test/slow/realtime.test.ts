// Real time, real proof of work: the CLI's live network and a double spend on it, as a user runs them.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);

function cli(args: string[], timeoutMs: number) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', ...args], { cwd: root, encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('real time', () => {
  it('runs a live network that converges, reporting tips as JSON lines', () => {
    const r = cli(['run', '--nodes', '4', '--minutes', '0.5', '--traffic', '1', '--json', '--seed', 'slow'], 120_000);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(20);
    const summary = lines.at(-1);
    expect(summary.tips.every((t: { height: number }) => t.height > 10)).toBe(true);
  });

  it('a 70% attacker double-spends a 1-confirmation payment with real proof of work', () => {
    const r = cli(['attack', 'double-spend', '--q', '0.7', '--z', '1', '--seed', 'slow', '--json'], 240_000);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(report.mode).toBe('real');
    expect(report.success).toBe(true);
    expect(report.reversedTxids).toContain(report.payment);
  });
});

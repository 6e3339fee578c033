// Scenario files: the shipped presets validate and run, the JSON Schema file is current, bad files get clear errors.

import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import { parseScenario, runScenario, scenarioJsonSchema } from './scenario.ts';

const dir = new URL('../../../resources/scenarios/', import.meta.url);
const presets = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'scenario.schema.json');
const load = (f: string) => JSON.parse(readFileSync(new URL(f, dir), 'utf8'));

describe('scenarios', () => {
  it('the committed JSON Schema matches the schema in code', () => {
    expect(load('scenario.schema.json')).toEqual(JSON.parse(JSON.stringify(scenarioJsonSchema())));
  });

  it.each(presets)('preset %s validates', (f) => {
    expect(() => parseScenario(load(f))).not.toThrow();
  });

  it('late-joiner: the stopped node and the new node end on the same tip as the others', async () => {
    const r = await runScenario(parseScenario(load('late-joiner.json')), { seed: '1' });
    expect(r.converged).toBe(true);
    const heights = new Set(r.tips.map((t) => t.height));
    expect(heights.size).toBe(1);
    expect(r.tips.map((t) => t.node)).toContain('n4');
    // The 10-minute wait really passed on the virtual clock.
    expect(r.events.find((e) => e.action === 'start')!.t).toBeGreaterThanOrEqual(660_000);
  });

  it('byzantine-miner: every honest node rejects every defective block with its code', async () => {
    const r = await runScenario(parseScenario(load('byzantine-miner.json')), { seed: '2' });
    const report = r.reports[0] as { kinds: { expectedCode: string; rejectedBy: Record<string, string | null> }[]; honestTipUnaffected: boolean };
    expect(report.kinds).toHaveLength(7);
    for (const k of report.kinds) for (const code of Object.values(k.rejectedBy)) expect(code).toBe(k.expectedCode);
    expect(report.honestTipUnaffected).toBe(true);
  });

  it('replays: the same file and seed give the same result', async () => {
    const s = parseScenario(load('nakamoto-race.json'));
    const a = JSON.stringify(await runScenario(s, { seed: '5' }));
    const b = JSON.stringify(await runScenario(s, { seed: '5' }));
    expect(a).toBe(b);
  });

  it('names the first problem of a bad file', () => {
    const base = load('late-joiner.json');
    const bad = (patch: object) => () => parseScenario({ ...base, ...patch });
    expect(bad({ network: { nodes: [] } })).toThrow(/network\.nodes/);
    expect(bad({ network: { nodes: [{ id: 'a', share: 0.7 }, { id: 'b', share: 0.7 }] } })).toThrow(/shares add up to 1\.4/);
    expect(bad({ timeline: [{ action: 'explode' }] })).toThrow(InputError);
    expect(bad({ timeline: [{ action: 'wait', ms: -1 }] })).toThrow(/timeline\.0\.ms/);
  });

  it('an action on an unknown node is refused before the scenario runs; nodes added on the way count', () => {
    const file = (timeline: unknown[]) => ({ name: 'x', network: { nodes: [{ id: 'a', share: 1 }] }, timeline });
    expect(() => parseScenario(file([{ action: 'stop', node: 'ghost' }]))).toThrow(/timeline\.0 \(stop\): unknown node "ghost"/);
    expect(() => parseScenario(file([{ action: 'add-node', id: 'b', connect: ['a'] }, { action: 'stop', node: 'b' }]))).not.toThrow();
    expect(() => parseScenario(file([{ action: 'remove-node', node: 'a' }, { action: 'start', node: 'a' }]))).toThrow(/timeline\.1/);
  });
});

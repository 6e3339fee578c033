// `scenario run FILE` and `scenario schema`: scenario files from the command line.

import { readFileSync } from 'node:fs';
import { InputError } from '../core/errors.ts';
import { createRealTimeMiners } from '../miner/real-miners.ts';
import { parseScenario, runScenario, scenarioJsonSchema, type ScenarioResult } from '../network/scenario.ts';
import { str, type Command } from './command.ts';

export const scenarioCommands: Record<string, Command> = {
  'scenario run': {
    usage: 'FILE [--seed S] [--json]   run a scenario file (see resources/scenarios) and print every attack report and the final tips',
    options: { json: { type: 'boolean' }, help: { type: 'boolean' }, seed: { type: 'string' } },
    positionals: true,
    async run(v, positionals) {
      if (positionals.length !== 1) throw new InputError('usage', `scenario run: expected one scenario file, got ${positionals.length}`);
      const file = positionals[0]!;
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        throw new InputError('no-file', `scenario run: cannot read ${file}`);
      }
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (e) {
        throw new InputError('bad-json', `scenario run: ${file} is not JSON (${(e as Error).message})`);
      }
      const scenario = parseScenario(raw);
      return runScenario(scenario, {
        seed: str(v.seed, '1'),
        realMiners: createRealTimeMiners,
        onEvent: (e) => process.stderr.write(`[${(e.t / 1000).toFixed(1)}s] step ${e.step}: ${e.action}\n`),
        onProgress: (p) => process.stderr.write(`[${(p.t / 1000).toFixed(1)}s]   ${p.attack} ${p.phase}: ${p.message}\n`),
      });
    },
    print: (r) => {
      const x = r as ScenarioResult;
      const tips = x.tips.map((t) => `  ${t.node.padEnd(10)} height ${t.height} ${t.tip}${t.running ? '' : ' (stopped)'}`).join('\n');
      return `${x.name} (seed ${x.seed}, ${x.mode} time): ${x.reports.length} attack report(s); ${x.converged ? 'converged' : 'NOT converged'}\n${JSON.stringify(x.reports, null, 2)}\n${tips}`;
    },
  },
  'scenario schema': {
    usage: '   print the JSON Schema of scenario files',
    options: { json: { type: 'boolean' }, help: { type: 'boolean' } },
    run: () => scenarioJsonSchema(),
    print: (r) => JSON.stringify(r, null, 2),
  },
};

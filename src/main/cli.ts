// The command line: everything the engine does without a window. Every command takes --json.

import { parseArgs } from 'node:util';
import { InputError, ParseError, RuleError } from './core/errors.ts';
import type { Command, Values } from './cli/command.ts';
import { attackCommands } from './cli/attack-commands.ts';
import { coreCommands } from './cli/core-commands.ts';
import { generalsCommands } from './cli/generals-commands.ts';
import { runCommand } from './cli/run-command.ts';
import { scenarioCommands } from './cli/scenario-commands.ts';
import { simCommands } from './cli/sim-commands.ts';
import { workspaceCommands } from './cli/workspace-commands.ts';

const commands: Record<string, Command> = { ...coreCommands, run: runCommand, ...simCommands, ...attackCommands, ...scenarioCommands, ...workspaceCommands, ...generalsCommands };

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name} ${c.usage}`);
  return `usage: npm run cli -- <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nevery command takes --json; networks: forklab, mainnet`;
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

async function main(argv: string[]): Promise<number> {
  let [name, ...rest] = argv;
  if (!name || name === '--help' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  // Two-word commands: `sim selfish`, `attack double-spend`, `scenario run`.
  if (rest[0] !== undefined && commands[`${name} ${rest[0]}`]) {
    name = `${name} ${rest[0]}`;
    rest = rest.slice(1);
  }
  const command = commands[name];
  if (!command) throw new InputError('usage', `unknown command ${JSON.stringify(name)}: expected one of ${Object.keys(commands).join(', ')}`);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: command.positionals ?? false, strict: true });
  } catch (e) {
    const first = (e as Error).message.split('\n')[0] ?? '';
    // A negative number after a flag reads as another flag: say how to write it.
    const hint = /ambiguous/.test(first) ? ' (for a value starting with -, write --flag=value)' : '';
    throw new InputError('bad-flag', `${name}: ${first}${hint}`);
  }
  const values = parsed.values as Values;
  if (values.help) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const result = await command.run(values, parsed.positionals);
  process.stdout.write(values.json ? `${JSON.stringify(result, jsonReplacer)}\n` : `${command.print(result)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof InputError || e instanceof ParseError || e instanceof RuleError) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exit(e instanceof InputError && (e.code === 'usage' || e.code === 'bad-flag') ? 2 : 1);
    }
    process.stderr.write(`internal error: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(70);
  },
);

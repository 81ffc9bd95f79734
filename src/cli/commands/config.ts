import { parseArgs } from 'node:util';
import { displayValue, settings } from '../../config.js';
import type { SettingName } from '../../config.js';
import type { CommandContext } from '../command.js';
import { loadOrReport } from './shared.js';

export async function run(context: CommandContext): Promise<number> {
  const { values: flags } = parseArgs({ args: context.argv, options: { json: { type: 'boolean', default: false } }, strict: true });
  const loaded = loadOrReport(context);
  if (!loaded) return 1;
  const names = Object.keys(settings) as SettingName[];
  const rows = names.map((name) => ({ name, value: displayValue(name, loaded.values[name]), source: loaded.sources[name] }));
  if (flags.json) {
    context.out(JSON.stringify({ file: loaded.file ?? null, settings: rows }, null, 2));
    return 0;
  }
  const width = Math.max(...names.map((n) => n.length));
  if (loaded.file) context.out(`# file: ${loaded.file}`);
  for (const row of rows) context.out(`${row.name.padEnd(width)}  ${row.value}  (${row.source})`);
  return Promise.resolve(0);
}

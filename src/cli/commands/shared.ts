import { ConfigError, loadConfig } from '../../config.js';
import type { LoadedConfig } from '../../config.js';
import type { CommandContext } from '../command.js';

/** Loads the configuration, or prints one line per problem and returns undefined. */
export function loadOrReport(context: CommandContext): LoadedConfig | undefined {
  try {
    return loadConfig(context.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    context.err('vigil: invalid configuration');
    for (const problem of error.problems) context.err(`  ${problem}`);
    return undefined;
  }
}

/** Whether `verb` is one of `verbs`; if not, says so (`vigil <command>: expected …`) and the caller exits 2. */
export function knownVerb(context: CommandContext, command: string, verbs: readonly string[], verb: string | undefined): verb is string {
  if (verb !== undefined && verbs.includes(verb)) return true;
  context.err(`vigil ${command}: expected one of ${verbs.join(', ')}${verb ? `, got "${verb}"` : ''}`);
  return false;
}

/** Every item of a cursor-paginated list, page after page. */
export async function allPages<T>(page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  do {
    const next = await page(cursor);
    all.push(...next.items);
    cursor = next.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

/** Prints `items` as indented JSON, or a line each. */
export function printList<T>(context: CommandContext, items: readonly T[], json: boolean | undefined, line: (item: T) => string): void {
  if (json) context.out(JSON.stringify(items, null, 2));
  else for (const item of items) context.out(line(item));
}

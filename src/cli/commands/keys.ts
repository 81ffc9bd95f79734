import type { CommandContext } from '../command.js';
import { knownVerb } from './shared.js';
import { CLI_ACTOR, withCore } from './with-core.js';

export async function run(context: CommandContext): Promise<number> {
  const [verb] = context.argv;
  if (!knownVerb(context, 'keys', ['list', 'rotate'], verb)) return 2;
  return withCore(context, async (core) => {
    await core.tokens.init();
    if (verb === 'rotate') {
      const { kid, retired } = await core.tokens.rotate(CLI_ACTOR);
      context.out(`signing with ${kid}; retired ${retired.join(', ') || 'none'} (still verifying)`);
      return 0;
    }
    for (const key of core.tokens.list()) {
      context.out(`${key.kid}  ${key.signing ? 'signing' : key.retired ? 'retired' : 'verifying'}  ${key.source}`);
    }
    return 0;
  });
}

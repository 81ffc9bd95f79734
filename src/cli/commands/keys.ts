import { SYSTEM } from '../../modules/auth/index.js';
import { openCore } from '../../main.js';
import { createLogger } from '../../platform/log.js';
import type { CommandContext } from '../command.js';
import { loadOrReport } from './shared.js';

export async function run(context: CommandContext): Promise<number> {
  const [verb] = context.argv;
  if (verb !== 'list' && verb !== 'rotate') {
    context.err(`vigil keys: expected list or rotate${verb ? `, got "${verb}"` : ''}`);
    return 2;
  }
  const loaded = loadOrReport(context);
  if (!loaded) return 1;
  const core = await openCore(loaded.config, createLogger({ level: 'warn', destination: process.stderr }));
  try {
    await core.tokens.init();
    if (verb === 'rotate') {
      const { kid, retired } = await core.tokens.rotate({ ...SYSTEM, id: 'cli' });
      context.out(`signing with ${kid}; retired ${retired.join(', ') || 'none'} (still verifying)`);
      return 0;
    }
    for (const key of core.tokens.list()) {
      context.out(`${key.kid}  ${key.signing ? 'signing' : key.retired ? 'retired' : 'verifying'}  ${key.source}`);
    }
    return 0;
  } finally {
    await core.close();
  }
}

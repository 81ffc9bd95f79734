import { SYSTEM } from '../../modules/auth/index.js';
import { openCore } from '../../main.js';
import { createLogger } from '../../platform/log.js';
import type { Command, CommandContext } from '../command.js';
import { loadOrReport } from './shared.js';

const HELP = `Manages the keys that sign access tokens (EdDSA JWTs).
  list      the keys: which one signs, which are retired (they still verify tokens they signed)
  rotate    retire the signing key and make a new one (audited as auth.signing_key_rotate)
Running processes keep signing with the key they loaded, which stays valid, until they restart.
With VIGIL_JWT_PRIVATE_KEY set, keys come from configuration: rotate there instead (new key first).`;

export const keysCommand: Command = {
  name: 'keys',
  summary: 'List and rotate the signing keys of access tokens',
  usage: 'vigil keys <list|rotate>',
  help: HELP,
  async run(context: CommandContext) {
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
  },
};

import { parseArgs } from 'node:util';
import type { ApiKey } from '../../modules/auth/index.js';
import { SYSTEM } from '../../modules/auth/index.js';
import { openCore } from '../../main.js';
import { createLogger } from '../../platform/log.js';
import type { CommandContext } from '../command.js';
import { loadOrReport } from './shared.js';

function describe(key: ApiKey): string {
  const scope = key.orgUnitCode ? `${key.role}@${key.orgUnitCode}` : key.role;
  const state = key.revokedAt ? `revoked ${key.revokedAt}` : key.expiresAt ? `expires ${key.expiresAt}` : 'no expiry';
  return `${key.id}  ${key.prefix}…  ${key.name}  ${scope}  ${state}  last used ${key.lastUsedAt ?? 'never'}`;
}

export async function run(context: CommandContext): Promise<number> {
  const [verb, ...rest] = context.argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      unit: { type: 'string' },
      'expires-days': { type: 'string' },
      all: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const verbs = ['create', 'list', 'revoke'];
  if (verb === undefined || !verbs.includes(verb)) {
    context.err(`vigil apikeys: expected one of ${verbs.join(', ')}${verb ? `, got "${verb}"` : ''}`);
    return 2;
  }
  if (verb === 'create' && (!values.name || !values.role)) {
    context.err('vigil apikeys create: --name and --role are required');
    return 2;
  }
  const days = values['expires-days'];
  if (days !== undefined && !/^\d+$/.test(days)) {
    context.err(`vigil apikeys create: --expires-days must be a whole number of days, got "${days}"`);
    return 2;
  }
  if (verb === 'revoke' && !positionals[0]) {
    context.err('vigil apikeys revoke: which key? give its id or name');
    return 2;
  }
  const loaded = loadOrReport(context);
  if (!loaded) return 1;
  const core = await openCore(loaded.config, createLogger({ level: 'warn', destination: process.stderr }));
  const actor = { ...SYSTEM, id: 'cli' };
  try {
    if (verb === 'create') {
      const { key, apiKey } = await core.apiKeys.create(
        {
          name: values.name!,
          role: values.role!,
          orgUnitCode: values.unit ?? null,
          expiresInDays: days === undefined ? null : Number(days),
        },
        { actor },
      );
      context.out(`created ${describe(apiKey)}`);
      context.out(`key: ${key}`);
      context.out('This is the only time the key is shown.');
      return 0;
    }
    if (verb === 'revoke') {
      context.out(`revoked ${describe(await core.apiKeys.revoke(positionals[0]!, { actor }))}`);
      return 0;
    }
    const all: ApiKey[] = [];
    let cursor: string | undefined;
    do {
      const page = await core.apiKeys.list({ limit: 500, includeRevoked: values.all, ...(cursor ? { cursor } : {}) }, { actor });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    if (values.json) context.out(JSON.stringify(all, null, 2));
    else for (const key of all) context.out(describe(key));
    return 0;
  } finally {
    await core.close();
  }
}
